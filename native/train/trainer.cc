#include "train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "core/compat.h"
#include "core/errors.h"
#include "core/precision.h"
#include "core/scalar_readback.h"
#include "models/registry.h"
#include "train/eval_mode_scope.h"
#include "train/methods/registry.h"
#include "train/multi_tensor_optim.h"
#include "train/optimizer_state.h"

namespace adx {

namespace {

// Checkpoint names of the gradients summed so far inside an accumulation window.
constexpr const char* kGradientPrefix = "gradient.";

HostTensor to_host(const std::string& name, const torch::Tensor& t) {
  auto host = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  HostTensor h{name, host.sizes().vec(), {}};
  h.values.assign(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
  return h;
}

void check_config(const TrainerConfig& c) {
  check_normalisation(c.augment, c.model.in_channels);
  if (c.schedule.epochs < 1 || c.schedule.steps_per_epoch < 1) {
    throw Error(ErrorCode::Config, "epochs and steps per epoch must be at least 1");
  }
  const auto& o = c.optimizer;
  if (o.accumulate < 1 || !(o.grad_clip >= 0) || !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) ||
      !(o.eps > 0) || !(c.schedule.warmup_ratio >= 0 && c.schedule.warmup_ratio <= 1) || c.schedule.warmup_steps < 0) {
    throw Error(ErrorCode::Config, "optimizer options out of range (accumulate ≥ 1, gradClip ≥ 0, betas in [0, 1), eps > 0, warmupRatio in [0, 1])");
  }
  // LibTorch's SGD would name a negative lr or momentum in its own words (E_NATIVE); the
  // generator's group, which bypasses that check, would step uphill.
  const auto group_in_range = [](double lr, double min_lr, double momentum, double weight_decay) {
    return lr >= 0 && min_lr >= 0 && min_lr <= lr && momentum >= 0 && momentum <= 1 && weight_decay >= 0;
  };
  if (!group_in_range(c.schedule.base_lr, c.schedule.min_lr, o.momentum, o.weight_decay)) {
    throw Error(ErrorCode::Config, "optimizer options out of range (0 ≤ minLr ≤ lr, momentum in [0, 1], weightDecay ≥ 0)");
  }
  const auto& g = c.method.learned.generator;
  if (!group_in_range(g.lr, g.min_lr, g.momentum, g.weight_decay)) {
    throw Error(ErrorCode::Config, "method.generator options out of range (0 ≤ minLr ≤ lr, momentum in [0, 1], weightDecay ≥ 0)");
  }
}

// NHWC memory order for every 4-D parameter and buffer. set_data keeps each tensor's identity,
// so the optimizer and the checkpoint names see the same parameters.
void to_channels_last(torch::nn::Module& network) {
  torch::NoGradGuard no_grad;
  for (auto& p : network.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  for (auto& b : network.buffers()) {
    if (b.dim() == 4) b.set_data(b.contiguous(at::MemoryFormat::ChannelsLast));
  }
}

// ADX_EMULATE_CUDA_GRAPHS=1: speed.cudaGraphs on the CPU runs StepGraphs' emulation (tests).
bool emulate_cuda_graphs() {
  const char* value = std::getenv("ADX_EMULATE_CUDA_GRAPHS");
  return value != nullptr && std::string(value) == "1";
}

// The CUDA-only options mean nothing on the CPU: they are switched off there, so that what the
// trainer reports is what runs (a config moves between machines unchanged). CUDA graphs also
// need one step per optimizer update and no host draws inside the passes (stochastic depth).
SpeedOptions effective_speed(SpeedOptions s, const TrainerConfig& c, const torch::Device& device) {
  const double drop_path = c.model.drop_path < 0 ? model_info(c.model.arch).drop_path : c.model.drop_path;
  if (c.optimizer.accumulate > 1 || drop_path > 0) s.cuda_graphs = false;
  if (device.is_cuda()) return s;
  s.cudnn_benchmark = s.pinned_memory = s.device_augment = false;
  s.tf32 = Tf32::Off;
  s.cuda_graphs = s.cuda_graphs && emulate_cuda_graphs();
  if (s.gpu_only) s.bf16 = s.channels_last = false;
  return s;
}

// cuDNN autotuning and TF32 are process-wide in LibTorch: the last trainer created on a CUDA
// device sets them.
void apply_process_wide_cuda_options(const SpeedOptions& s) {
  auto& context = at::globalContext();
  context.setBenchmarkCuDNN(s.cudnn_benchmark);
  context.setAllowTF32CuDNN(s.tf32 != Tf32::Off);
  context.setAllowTF32CuBLAS(s.tf32 == Tf32::All);
}

}  // namespace

Trainer::Trainer(const TrainerConfig& config)
    : config_(config), device_(resolve_device(config.device)), gen_(compat::make_cpu_generator(config.seed)) {
  check_config(config_);
  config_.speed = effective_speed(config_.speed, config_, device_.device);
  if (device_.device.is_cuda()) apply_process_wide_cuda_options(config_.speed);
  // Per-thread setting under OpenMP: this constructor runs on the worker thread that does the work.
  if (config_.threads > 0) at::set_num_threads(static_cast<int>(config_.threads));
  threads_ = at::get_num_threads();

  // The classic mixers that look at pixel values need the run's normalisation.
  for (auto& mode : config_.method.modes) {
    mode.pixel_mean = config_.augment.mean;
    mode.pixel_std = config_.augment.std;
  }
  config_.method.learned.ema.multi_tensor = config_.speed.multi_tensor;
  method_ = make_method(config_.method, config_.model, config_.schedule);
  method_->reset_parameters(gen_);
  // Stochastic depth draws from the run's seeded generator too, so a seed repeats a run.
  for (auto& module : method_->network().modules()) {
    if (auto* backbone = module->as<BackboneImpl>()) backbone->set_generator(gen_);
  }
  auto& network = method_->network();
  network.to(device_.device);
  if (config_.speed.channels_last) to_channels_last(network);
  network.train();

  // The frozen EMA network is not listed, so no optimizer touches it; the generator gets its own
  // group(s) with its own schedule (ALGORITHMS.md §1.11).
  const auto& o = config_.optimizer;
  const GroupHyper main{config_.schedule.base_lr, o.momentum, o.weight_decay, o.nesterov};
  const auto& g = config_.method.learned.generator;
  const GroupHyper own{g.lr, g.momentum, g.weight_decay, g.nesterov};
  auto generator_params = method_->generator_parameters();
  has_generator_group_ = !generator_params.empty();
  generator_schedule_ = config_.schedule;  // same stepping and warm-up, own lr and floor
  generator_schedule_.base_lr = g.lr;
  generator_schedule_.min_lr = g.min_lr;
  auto built = make_optimizer(o, network, method_->classifier_parameters(), main, generator_params, own,
                              config_.speed.multi_tensor);
  optimizer_ = std::move(built.optimizer);
  group_roles_ = std::move(built.roles);

  // Methods without a step plan (the classic family) always run eagerly: the option is off then.
  if (!method_->plans_steps()) config_.speed.cuda_graphs = false;
  if (config_.speed.cuda_graphs) {
    std::vector<torch::Tensor> trained;
    for (auto& group : optimizer_->param_groups()) {
      for (auto& p : group.params()) trained.push_back(p);
    }
    graphs_ = std::make_unique<StepGraphs>(device_.device, !device_.device.is_cuda(), std::move(trained));
  }
}

int64_t Trainer::parameter_count() const {
  int64_t total = 0;
  for (const auto& p : method_->network().parameters()) total += p.numel();
  return total;
}

void Trainer::check_images(const HostBatch& b) const {
  if (b.n < 1) throw Error(ErrorCode::Shape, "a batch needs at least one image");
  if (b.c != config_.model.in_channels) {
    throw Error(ErrorCode::Shape, "images have " + std::to_string(b.c) + " channel(s) but the model expects " +
                                      std::to_string(config_.model.in_channels));
  }
  check_crop_fits(config_.augment, b.h, b.w);
}

void Trainer::check_batch(const HostBatch& b) const {
  check_images(b);
  const int64_t classes = config_.model.num_classes;
  for (int64_t i = 0; i < b.n; ++i) {
    if (b.labels[i] < 0 || b.labels[i] >= classes) {
      throw Error(ErrorCode::Data, "label " + std::to_string(b.labels[i]) + " at batch index " + std::to_string(i) +
                                       " is outside 0.." + std::to_string(classes - 1));
    }
  }
}

void Trainer::release_gradients() {
  // Dropping the gradients (rather than zeroing them, LibTorch 1.13's zero_grad()) lets backward
  // write fresh gradient tensors instead of memset-then-accumulate. Both optimizers skip a
  // parameter that has no gradient.
  for (auto& group : optimizer_->param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
}

void Trainer::apply_gradients() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> with_grad;
  for (auto& group : optimizer_->param_groups()) {
    for (auto& p : group.params()) {
      if (p.grad().defined()) with_grad.push_back(p);
    }
  }
  const int64_t window = config_.optimizer.accumulate;
  if (window > 1) {
    // The mean over the window, as the original's loss / update_interval.
    for (auto& p : with_grad) p.mutable_grad().div_(static_cast<double>(window));
  }
  if (config_.optimizer.grad_clip > 0 && !with_grad.empty()) {
    if (config_.speed.multi_tensor) {
      clip_grad_norm_no_sync(with_grad, config_.optimizer.grad_clip);
    } else {
      torch::nn::utils::clip_grad_norm_(with_grad, config_.optimizer.grad_clip);
    }
  }
  optimizer_->step();
}

void Trainer::set_learning_rates(StepResult& result) {
  result.lr = learning_rate(config_.schedule, step_);
  result.generator_lr = has_generator_group_ ? learning_rate(generator_schedule_, step_)
                                             : std::numeric_limits<double>::quiet_NaN();
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(group_roles_[i] == GroupRole::Generator ? result.generator_lr : result.lr);
  }
}

torch::Tensor Trainer::in_network_layout(const torch::Tensor& x) const {
  return config_.speed.channels_last ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

StepResult Trainer::train_step(const HostBatch& batch, const ForcedDraws& forced) {
  check_batch(batch);
  const auto started = std::chrono::steady_clock::now();
  StepResult result;
  result.step = step_;
  set_learning_rates(result);
  result.ema_momentum = method_->ema_momentum_at(step_);

  method_->network().train();
  auto x = in_network_layout(train_batch_tensor(batch, config_.augment, gen_, device_.device, transfer()));
  auto y = label_tensor(batch, device_.device, transfer());
  // Gradients add up over an accumulation window and are dropped at its start.
  const int64_t window = config_.optimizer.accumulate;
  const bool window_starts = step_ % window == 0;
  const bool window_ends = (step_ + 1) % window == 0;
  if (window_starts) release_gradients();
  MethodOutput out;
  {
    // The forward passes only: the backward below runs outside autocast.
    Bf16Autocast autocast(device_.device, config_.speed.bf16);
    GraphUse graph_use = GraphUse::Off;
    if (graphs_) {
      out = graphs_->run(*method_->plan_step(x.size(0), gen_, forced, step_), x, y, graph_use);
    } else {
      out = method_->loss(x, y, gen_, forced, step_);
    }
    result.graph = graph_use_name(graph_use);
  }
  result.lambda = out.lambda;
  result.sources = out.sources;
  result.adversarial = out.adversarial;
  result.mode = out.mode;
  result.mix_seconds = out.mix_seconds;
  // The loss and its terms come back in one copy, waited for once the backward pass is queued
  // (core/scalar_readback.h): the backward runs even for a non-finite loss, whose gradients are
  // then dropped unused.
  std::vector<torch::Tensor> scalars{out.loss};
  for (const auto& term : out.terms) scalars.push_back(term.second);
  ScalarReadback readback(scalars);
  if (!out.backward_done) out.loss.backward();
  const auto values = readback.wait();
  result.loss = values[0];
  for (size_t i = 0; i < out.terms.size(); ++i) result.terms.emplace_back(out.terms[i].first, values[i + 1]);

  if (!std::isfinite(result.loss)) {
    // The window's gradients so far are dropped with this step's: they now hold non-finite values.
    release_gradients();
    if (config_.nan_policy == NanPolicy::Error) {
      throw Error(ErrorCode::Nan, "the loss at step " + std::to_string(step_) + " is " + std::to_string(result.loss) +
                                      "; the step was not applied. Lower lr, or set nanPolicy: 'skip-step'");
    }
    result.skipped = true;
  } else {
    if (window_ends) apply_gradients();
    method_->after_step(step_);
  }
  ++step_;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

std::vector<HostTensor> Trainer::state() const {
  torch::NoGradGuard no_grad;
  std::vector<HostTensor> out;
  for (const auto& p : method_->network().named_parameters()) out.push_back(to_host(p.key(), p.value()));
  for (const auto& b : method_->network().named_buffers()) out.push_back(to_host(b.key(), b.value()));
  return out;
}

EvalResult Trainer::evaluate(const HostBatch& batch) {
  check_batch(batch);
  torch::NoGradGuard no_grad;
  EvalModeScope eval(method_->network());
  auto x = in_network_layout(eval_batch_tensor(batch, config_.augment, device_.device, transfer()));
  auto y = label_tensor(batch, device_.device, transfer());
  const auto names = method_->head_names();
  std::vector<torch::Tensor> logits;
  {
    Bf16Autocast autocast(device_.device, config_.speed.bf16);
    logits = method_->head_logits(x);
  }

  // Per head: the summed loss, top-1 and top-5 hits, read back in one copy.
  std::vector<torch::Tensor> scalars;
  for (size_t h = 0; h < names.size(); ++h) {
    const auto z = logits[h].to(torch::kFloat32);
    scalars.push_back(torch::nn::functional::cross_entropy(
        z, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)));
    const int64_t k = std::min<int64_t>(5, z.size(1));
    auto hits = std::get<1>(z.topk(k, 1)).eq(y.unsqueeze(1));
    scalars.push_back(hits.narrow(1, 0, 1).sum());
    scalars.push_back(hits.any(1).sum());
  }
  const auto values = ScalarReadback(scalars).wait();
  EvalResult r;
  r.count = batch.n;
  for (size_t h = 0; h < names.size(); ++h) {
    r.heads.push_back(HeadEval{names[h], static_cast<int64_t>(values[3 * h + 1]), static_cast<int64_t>(values[3 * h + 2]),
                               values[3 * h]});
  }
  return r;
}

MixResult Trainer::mix(const HostBatch& batch, const ForcedDraws& forced, uint64_t seed) {
  check_images(batch);
  torch::NoGradGuard no_grad;
  auto gen = compat::make_cpu_generator(seed);
  MixPreview preview;
  {
    EvalModeScope eval(method_->network());
    // The generator as training runs it: in the run's precision and memory order.
    Bf16Autocast autocast(device_.device, config_.speed.bf16);
    preview = method_->preview(in_network_layout(eval_batch_tensor(batch, config_.augment, device_.device)), gen, forced);
  }

  MixResult r;
  r.n = batch.n, r.c = batch.c, r.h = batch.h, r.w = batch.w;
  r.sources = preview.masks.size(1);
  r.draws = preview.draws;
  auto to_vector = [](const torch::Tensor& t) {
    auto host = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
  };
  r.masks = to_vector(preview.masks);
  r.mixed = to_vector(preview.mixed);
  const auto mean = torch::tensor(config_.augment.mean, torch::kFloat32).view({1, -1, 1, 1});
  const auto std = torch::tensor(config_.augment.std, torch::kFloat32).view({1, -1, 1, 1});
  auto pixels = ((preview.mixed.to(torch::kCPU, torch::kFloat32) * std + mean) * 255.0)
                    .round()
                    .clamp(0, 255)
                    .to(torch::kUInt8)
                    .permute({0, 2, 3, 1})
                    .contiguous();
  r.mixed_images.assign(pixels.data_ptr<uint8_t>(), pixels.data_ptr<uint8_t>() + pixels.numel());
  return r;
}

ForwardResult Trainer::forward(const HostTensor& input, bool with_stages) {
  if (input.shape.size() != 4 || input.shape[1] != config_.model.in_channels) {
    throw Error(ErrorCode::Shape, "forward input must be [n, " + std::to_string(config_.model.in_channels) +
                                      ", h, w] float32 for this model");
  }
  torch::NoGradGuard no_grad;
  auto& network = method_->network();
  EvalModeScope eval(network);
  auto x = torch::from_blob(const_cast<float*>(input.values.data()), input.shape, torch::kFloat32).to(device_.device);
  ForwardResult r;
  const auto names = method_->head_names();
  const auto logits = method_->head_logits(x);
  for (size_t i = 0; i < names.size(); ++i) r.heads.push_back(to_host(names[i], logits[i]));
  if (with_stages) {
    for (auto& module : network.modules(/*include_self=*/false)) {
      auto* backbone = module->as<BackboneImpl>();
      if (!backbone) continue;
      const auto stages = backbone->forward(x);
      for (size_t i = 0; i < stages.size(); ++i) r.stages.push_back(to_host("stage" + std::to_string(i + 1), stages[i]));
      break;  // the first backbone is the online one
    }
  }
  return r;
}

HostTensor Trainer::input_gradient(const HostTensor& input, const std::vector<int64_t>& labels, const std::string& head,
                                   double& loss) {
  if (input.shape.size() != 4 || input.shape[1] != config_.model.in_channels || static_cast<int64_t>(labels.size()) != input.shape[0]) {
    throw Error(ErrorCode::Shape, "inputGradient needs an [n, " + std::to_string(config_.model.in_channels) +
                                      ", h, w] float32 input and n labels");
  }
  for (auto l : labels) {
    if (l < 0 || l >= config_.model.num_classes) throw Error(ErrorCode::Data, "label " + std::to_string(l) + " is outside the classes");
  }
  const auto names = method_->head_names();
  const auto found = std::find(names.begin(), names.end(), head);
  if (found == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::Config, "no head '" + head + "'; this method has " + known);
  }
  EvalModeScope eval(method_->network());
  torch::AutoGradMode grad_mode(true);
  auto x = torch::from_blob(const_cast<float*>(input.values.data()), input.shape, torch::kFloat32).to(device_.device).requires_grad_(true);
  auto y = torch::tensor(labels, torch::kInt64).to(device_.device);
  const auto logits = method_->head_logits(x)[static_cast<size_t>(found - names.begin())].to(torch::kFloat32);
  auto total = torch::nn::functional::cross_entropy(logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  auto grad = torch::autograd::grad({total}, {x})[0];
  loss = total.item<double>();
  return to_host("gradient", grad);
}

PretrainedReport Trainer::load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier) {
  if (step_ > 0) throw Error(ErrorCode::Config, "pretrained weights load before the first training step");
  return method_->load_pretrained(tensors, skip_classifier);
}

std::vector<std::pair<std::string, torch::Tensor>> Trainer::state_targets() const {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : method_->network().named_parameters()) targets.emplace_back(p.key(), p.value());
  for (const auto& b : method_->network().named_buffers()) targets.emplace_back(b.key(), b.value());
  return targets;
}

void Trainer::check_state(const std::unordered_map<std::string, const HostTensor*>& by_name, ErrorCode code,
                          const std::string& source) const {
  const auto targets = state_targets();
  for (const auto& [name, target] : targets) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw Error(code, source + " lack '" + name + "' (a different method or model?)");
    const HostTensor& t = *it->second;
    int64_t numel = 1;
    for (auto d : t.shape) numel *= d;
    if (t.shape != target.sizes().vec() || static_cast<int64_t>(t.values.size()) != numel) {
      throw Error(code == ErrorCode::Config ? ErrorCode::Shape : code, "'" + name + "' in " + source + " has the wrong shape for this model");
    }
  }
  if (by_name.size() != targets.size()) {
    throw Error(code, source + " hold tensors this model does not have (a different method or model?)");
  }
}

void Trainer::copy_state(const std::unordered_map<std::string, const HostTensor*>& by_name) {
  // A loaded state starts the CUDA graphs afresh (they would replay over the same memory, but a
  // restored run is simplest to reason about from a clean capture).
  if (graphs_) graphs_->clear();
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : state_targets()) {
    const auto* t = by_name.at(name);
    auto host = torch::from_blob(const_cast<float*>(t->values.data()), t->shape, torch::kFloat32);
    target.copy_(host.to(target.dtype()));
  }
}

void Trainer::load_state(const std::vector<HostTensor>& tensors) {
  std::unordered_map<std::string, const HostTensor*> by_name;
  for (const auto& t : tensors) {
    if (!by_name.emplace(t.name, &t).second) throw Error(ErrorCode::Config, "the weights hold '" + t.name + "' twice");
  }
  // Every shape is checked before anything changes, so a failed load leaves the state as it was.
  check_state(by_name, ErrorCode::Config, "the weights");
  copy_state(by_name);
}

Checkpoint Trainer::checkpoint() {
  Checkpoint c;
  c.tensors = state();
  for (auto& t : optimizer_state_tensors(*optimizer_)) c.tensors.push_back(std::move(t));
  // Inside a gradient-accumulation window the gradients summed so far are state too.
  if (step_ % config_.optimizer.accumulate != 0) {
    for (const auto& p : method_->network().named_parameters()) {
      if (p.value().grad().defined()) c.tensors.push_back(to_host(kGradientPrefix + p.key(), p.value().grad()));
    }
  }
  auto rng = gen_.get_state().contiguous();
  c.rng.assign(rng.data_ptr<uint8_t>(), rng.data_ptr<uint8_t>() + rng.numel());
  c.counters.emplace_back("step", step_);
  for (auto& counter : method_->counters()) c.counters.push_back(std::move(counter));
  return c;
}

void Trainer::restore(const Checkpoint& c) {
  std::unordered_map<std::string, const HostTensor*> network, optimizer, gradients;
  for (const auto& t : c.tensors) {
    auto& into = t.name.rfind(kOptimizerPrefix, 0) == 0  ? optimizer
                 : t.name.rfind(kGradientPrefix, 0) == 0 ? gradients
                                                         : network;
    if (!into.emplace(t.name, &t).second) throw Error(ErrorCode::Checkpoint, "the checkpoint holds '" + t.name + "' twice");
  }
  check_state(network, ErrorCode::Checkpoint, "the checkpoint's weights");
  check_optimizer_state(*optimizer_, optimizer);
  std::vector<std::pair<torch::Tensor, const HostTensor*>> gradient_targets;
  for (const auto& p : method_->network().named_parameters()) {
    auto it = gradients.find(kGradientPrefix + p.key());
    if (it == gradients.end()) continue;
    if (it->second->shape != p.value().sizes().vec()) {
      throw Error(ErrorCode::Checkpoint, "the checkpoint's '" + it->first + "' does not fit its parameter's shape");
    }
    gradient_targets.emplace_back(p.value(), it->second);
  }
  if (gradient_targets.size() != gradients.size()) {
    throw Error(ErrorCode::Checkpoint, "the checkpoint holds gradients of parameters this model does not have");
  }

  std::map<std::string, int64_t> counters(c.counters.begin(), c.counters.end());
  for (const auto& [name, _] : method_->counters()) {
    if (!counters.count(name)) throw Error(ErrorCode::Checkpoint, "the checkpoint lacks the counter '" + name + "' (a different method?)");
  }
  if (!counters.count("step")) throw Error(ErrorCode::Checkpoint, "the checkpoint lacks its step counter");
  const int64_t step = counters.at("step");
  if (step < 0 || step > config_.schedule.epochs * config_.schedule.steps_per_epoch) {
    throw Error(ErrorCode::Checkpoint, "the checkpoint's step " + std::to_string(step) + " is outside this run's " +
                                           std::to_string(config_.schedule.epochs * config_.schedule.steps_per_epoch) + " steps");
  }
  if (static_cast<int64_t>(c.rng.size()) != gen_.get_state().numel()) {
    throw Error(ErrorCode::Checkpoint, "the checkpoint's random-generator state has the wrong size (" +
                                           std::to_string(c.rng.size()) + " bytes)");
  }

  // The method checks its counters' values before taking them; after it nothing throws for the
  // checkpoint's content.
  method_->set_counters(counters);
  copy_state(network);
  load_optimizer_state(*optimizer_, optimizer);
  release_gradients();
  for (auto& [param, t] : gradient_targets) {
    param.mutable_grad() = torch::from_blob(const_cast<float*>(t->values.data()), t->shape, torch::kFloat32)
                               .to(param.options())
                               .clone();
  }
  auto rng = torch::from_blob(const_cast<uint8_t*>(c.rng.data()), {static_cast<int64_t>(c.rng.size())}, torch::kUInt8).clone();
  gen_.set_state(rng);
  step_ = step;
}

}  // namespace adx
