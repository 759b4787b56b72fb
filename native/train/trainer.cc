#include "train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/compat.h"
#include "core/errors.h"
#include "train/methods/registry.h"
#include "train/optimizer_state.h"

namespace adx {

namespace {

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
}

}  // namespace

Trainer::Trainer(const TrainerConfig& config)
    : config_(config), device_(resolve_device(config.device)), gen_(compat::make_cpu_generator(config.seed)) {
  check_config(config_);
  // Per-thread setting under OpenMP: this constructor runs on the worker thread that does the work.
  if (config_.threads > 0) at::set_num_threads(static_cast<int>(config_.threads));
  threads_ = at::get_num_threads();

  // The classic mixers that look at pixel values need the run's normalisation.
  for (auto& mode : config_.method.modes) {
    mode.pixel_mean = config_.augment.mean;
    mode.pixel_std = config_.augment.std;
  }
  method_ = make_method(config_.method, config_.model, config_.schedule);
  method_->reset_parameters(gen_);
  // Stochastic depth draws from the run's seeded generator too, so a seed repeats a run.
  for (auto& module : method_->network().modules()) {
    if (auto* backbone = module->as<BackboneImpl>()) backbone->set_generator(gen_);
  }
  auto& network = method_->network();
  network.to(device_.device);
  network.train();

  // SGD skips parameters without a gradient, so the frozen EMA network needs no exclusion
  // beyond not being listed; the generator gets its own group (ALGORITHMS.md §1.11).
  torch::optim::SGDOptions main(config_.schedule.base_lr);
  main.momentum(config_.optimizer.momentum).weight_decay(config_.optimizer.weight_decay).nesterov(config_.optimizer.nesterov);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(method_->classifier_parameters(), std::make_unique<torch::optim::SGDOptions>(main));
  auto generator_params = method_->generator_parameters();
  if (!generator_params.empty()) {
    const auto& g = config_.method.learned.generator;
    generator_schedule_ = config_.schedule;
    generator_schedule_.base_lr = g.lr;
    generator_schedule_.min_lr = g.min_lr;
    torch::optim::SGDOptions own(g.lr);
    own.momentum(g.momentum).weight_decay(g.weight_decay).nesterov(g.nesterov);
    groups.emplace_back(generator_params, std::make_unique<torch::optim::SGDOptions>(own));
    has_generator_group_ = true;
  }
  optimizer_ = std::make_unique<torch::optim::SGD>(std::move(groups), main);
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
  // write fresh gradient tensors instead of memset-then-accumulate. SGD treats both the same.
  for (auto& group : optimizer_->param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
}

void Trainer::set_learning_rates(StepResult& result) {
  result.lr = learning_rate(config_.schedule, step_);
  result.generator_lr = has_generator_group_ ? learning_rate(generator_schedule_, step_)
                                             : std::numeric_limits<double>::quiet_NaN();
  auto& groups = optimizer_->param_groups();
  static_cast<torch::optim::SGDOptions&>(groups[0].options()).lr(result.lr);
  if (has_generator_group_) static_cast<torch::optim::SGDOptions&>(groups[1].options()).lr(result.generator_lr);
}

StepResult Trainer::train_step(const HostBatch& batch, const ForcedDraws& forced) {
  check_batch(batch);
  const auto started = std::chrono::steady_clock::now();
  StepResult result;
  result.step = step_;
  set_learning_rates(result);
  result.ema_momentum = method_->ema_momentum_at(step_);

  method_->network().train();
  auto x = train_batch_tensor(batch, config_.augment, gen_, device_.device);
  auto y = label_tensor(batch, device_.device);
  release_gradients();
  auto out = method_->loss(x, y, gen_, forced, step_);
  result.loss = out.loss.item<double>();
  result.lambda = out.lambda;
  result.sources = out.sources;
  result.adversarial = out.adversarial;
  result.mode = out.mode;
  result.mix_seconds = out.mix_seconds;
  for (const auto& [name, value] : out.terms) result.terms.emplace_back(name, value.item<double>());

  if (!std::isfinite(result.loss)) {
    if (config_.nan_policy == NanPolicy::Error) {
      throw Error(ErrorCode::Nan, "the loss at step " + std::to_string(step_) + " is " + std::to_string(result.loss) +
                                      "; the step was not applied. Lower lr, or set nanPolicy: 'skip-step'");
    }
    result.skipped = true;
  } else {
    if (!out.backward_done) out.loss.backward();
    optimizer_->step();
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
  auto& network = method_->network();
  network.eval();
  auto x = eval_batch_tensor(batch, config_.augment, device_.device);
  auto y = label_tensor(batch, device_.device);
  const auto names = method_->head_names();
  const auto logits = method_->head_logits(x);
  network.train();

  EvalResult r;
  r.count = batch.n;
  for (size_t h = 0; h < names.size(); ++h) {
    const auto z = logits[h].to(torch::kFloat32);
    HeadEval head{names[h]};
    head.loss_sum = torch::nn::functional::cross_entropy(
                        z, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
    const int64_t k = std::min<int64_t>(5, z.size(1));
    auto hits = std::get<1>(z.topk(k, 1)).eq(y.unsqueeze(1));
    head.correct1 = hits.narrow(1, 0, 1).sum().item<int64_t>();
    head.correct5 = hits.any(1).sum().item<int64_t>();
    r.heads.push_back(std::move(head));
  }
  return r;
}

MixResult Trainer::mix(const HostBatch& batch, const ForcedDraws& forced, uint64_t seed) {
  check_images(batch);
  torch::NoGradGuard no_grad;
  auto gen = compat::make_cpu_generator(seed);
  auto& network = method_->network();
  network.eval();
  MixPreview preview;
  try {
    preview = method_->preview(eval_batch_tensor(batch, config_.augment, device_.device), gen, forced);
  } catch (...) {
    network.train();
    throw;
  }
  network.train();

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
  network.eval();
  auto x = torch::from_blob(const_cast<float*>(input.values.data()), input.shape, torch::kFloat32).to(device_.device);
  ForwardResult r;
  try {
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
  } catch (...) {
    network.train();
    throw;
  }
  network.train();
  return r;
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
  auto rng = gen_.get_state().contiguous();
  c.rng.assign(rng.data_ptr<uint8_t>(), rng.data_ptr<uint8_t>() + rng.numel());
  c.counters.emplace_back("step", step_);
  for (auto& counter : method_->counters()) c.counters.push_back(std::move(counter));
  return c;
}

void Trainer::restore(const Checkpoint& c) {
  std::unordered_map<std::string, const HostTensor*> network, optimizer;
  for (const auto& t : c.tensors) {
    auto& into = t.name.rfind(kOptimizerPrefix, 0) == 0 ? optimizer : network;
    if (!into.emplace(t.name, &t).second) throw Error(ErrorCode::Checkpoint, "the checkpoint holds '" + t.name + "' twice");
  }
  check_state(network, ErrorCode::Checkpoint, "the checkpoint's weights");
  check_optimizer_state(*optimizer_, optimizer);

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
  auto rng = torch::from_blob(const_cast<uint8_t*>(c.rng.data()), {static_cast<int64_t>(c.rng.size())}, torch::kUInt8).clone();
  gen_.set_state(rng);
  step_ = step;
}

}  // namespace adx
