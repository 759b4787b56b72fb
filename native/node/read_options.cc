#include "node/read_options.h"

#include <cmath>
#include <string>

#include "core/errors.h"
#include "node/tensor_records.h"

namespace adx::node {

namespace {

[[noreturn]] void config_error(const std::string& message) { throw Error(ErrorCode::Config, message); }

Napi::Object object_field(const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsObject()) config_error(std::string("native options: '") + key + "' must be an object");
  return v.As<Napi::Object>();
}

double number_field(const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) {
    config_error(std::string("native options: '") + key + "' must be a finite number");
  }
  return v.As<Napi::Number>().DoubleValue();
}

int64_t int_field(const Napi::Object& o, const char* key, int64_t min, int64_t max) {
  const double d = number_field(o, key);
  if (d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    config_error(std::string("native options: '") + key + "' must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
  }
  return static_cast<int64_t>(d);
}

std::string string_field(const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsString()) config_error(std::string("native options: '") + key + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool bool_field(const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsBoolean()) config_error(std::string("native options: '") + key + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<double> number_list(const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsArray()) config_error(std::string("native options: '") + key + "' must be an array of numbers");
  auto array = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    auto item = array.Get(i);
    if (!item.IsNumber()) config_error(std::string("native options: '") + key + "' must hold numbers only");
    out.push_back(item.As<Napi::Number>().DoubleValue());
  }
  return out;
}

std::vector<int64_t> int_list(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) config_error(what + " must be an array of integers");
  auto array = v.As<Napi::Array>();
  std::vector<int64_t> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    auto item = array.Get(i);
    const double d = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 9007199254740991.0 && d == std::floor(d))) config_error(what + " must hold non-negative integers");
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

bool present(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined(); }

// A string field with two allowed values: false for `first`, true for `second`, else E_CONFIG
// "<name> must be 'first' or 'second'".
bool second_choice(const Napi::Object& o, const char* key, const std::string& name, const char* first, const char* second) {
  const auto value = string_field(o, key);
  if (value != first && value != second) config_error(name + " must be '" + first + "' or '" + second + "'");
  return value == second;
}

// 'bicubic' → true, 'bilinear' → false.
bool bicubic_field(const Napi::Object& o, const char* key) { return !second_choice(o, key, key, "bicubic", "bilinear"); }

// AdamW, warm-up, clipping and accumulation; each absent field keeps its native default (plain
// SGD, as callers that predate them expect).
void read_optimizer_extras(const Napi::Object& o, TrainerConfig& c) {
  auto& opt = c.optimizer;
  if (present(o, "name")) {
    opt.kind = second_choice(o, "name", "optimizer.name", "sgd", "adamw") ? OptimizerKind::AdamW : OptimizerKind::Sgd;
  }
  if (present(o, "betas")) {
    const auto betas = number_list(o, "betas");
    if (betas.size() != 2) config_error("optimizer.betas must be [beta1, beta2]");
    opt.beta1 = betas[0];
    opt.beta2 = betas[1];
  }
  if (present(o, "eps")) opt.eps = number_field(o, "eps");
  if (present(o, "noDecayOnNormBias")) opt.no_decay_norm_bias = bool_field(o, "noDecayOnNormBias");
  if (present(o, "gradClip")) opt.grad_clip = number_field(o, "gradClip");
  if (present(o, "accumulate")) opt.accumulate = int_field(o, "accumulate", 1, 4096);
  if (present(o, "warmupSteps")) c.schedule.warmup_steps = int_field(o, "warmupSteps", 0, 1LL << 40);
  if (present(o, "warmupRatio")) c.schedule.warmup_ratio = number_field(o, "warmupRatio");
}

SgdGroupOptions read_sgd_group(const Napi::Object& o) {
  SgdGroupOptions g;
  g.lr = number_field(o, "lr");
  g.min_lr = number_field(o, "minLr");
  g.momentum = number_field(o, "momentum");
  g.weight_decay = number_field(o, "weightDecay");
  g.nesterov = bool_field(o, "nesterov");
  return g;
}

LearnedMixOptions read_learned_mix_options(const Napi::Object& o) {
  LearnedMixOptions l;
  const auto upsample = string_field(o, "upsample");
  l.random_upsample = upsample == "random";
  if (!l.random_upsample) l.upsample = parse_upsample_mode(upsample, "upsample");
  l.lam_concat = bool_field(o, "lamConcat");
  l.attention_batch_norm = second_choice(o, "attentionNorm", "attentionNorm", "none", "batchnorm");
  l.lam_margin = number_field(o, "lamMargin");
  l.no_repeat_shuffle = bool_field(o, "noRepeatShuffle");
  l.switch_off = number_field(o, "switchOff");
  l.exact_fast_path = bool_field(o, "exactFastPath");

  auto ema = object_field(o, "ema");
  l.ema.start_momentum = number_field(ema, "start");
  l.ema.end_momentum = number_field(ema, "end");
  auto scope = number_list(ema, "scope");
  if (scope.size() != 2) config_error("ema.scope must be [start, end]");
  l.ema.scope_start = scope[0];
  l.ema.scope_end = scope[1];
  l.ema.linear_warmup = second_choice(ema, "warmup", "ema.warmup", "constant", "linear");
  l.ema.update_interval = int_field(ema, "updateInterval", 1, 1000000);

  l.generator = read_sgd_group(object_field(o, "generator"));

  l.mix_samples = int_field(o, "mixSamples", 2, 16);
  l.random_samples = bool_field(o, "randomSamples");
  l.mixup_ratio = number_field(o, "mixupRatio");
  l.beta_ratio = number_field(o, "betaRatio");
  l.adv_interval = int_field(o, "advInterval", 1, 1000000);
  l.cosine_as_distance = string_field(o, "cosineMode") == "similarity";
  l.openmixup_margin_rule = string_field(o, "lamMarginRule") == "openmixup";
  l.dirichlet_lambdas = string_field(o, "lambdaSampler") == "dirichlet";

  auto mask = object_field(o, "maskLoss");
  l.mask_loss_weight = number_field(mask, "weight");
  l.mask_loss_mode = parse_mask_loss_mode(string_field(mask, "mode"));
  l.mask_loss_margin = number_field(mask, "margin");
  l.mask_loss_cosine = string_field(mask, "schedule") == "cosine";
  return l;
}

// { name, alpha, probability, fmixDecay, smoothmixLabel, manifoldLayers: [first, last],
//   resizeScale: [min, max], snapmixLabel, puzzle: {...} } per mode; TS fills every field.
std::vector<ClassicModeOptions> read_classic_modes(const Napi::Object& method) {
  auto v = method.Get("modes");
  if (!v.IsArray()) config_error("native options: 'method.modes' must be an array");
  auto array = v.As<Napi::Array>();
  std::vector<ClassicModeOptions> modes;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    if (!array.Get(i).IsObject()) config_error("native options: every 'method.modes' entry must be an object");
    auto o = array.Get(i).As<Napi::Object>();
    ClassicModeOptions m;
    m.name = string_field(o, "name");
    m.alpha = number_field(o, "alpha");
    m.probability = number_field(o, "probability");
    m.fmix_decay = number_field(o, "fmixDecay");
    m.smoothmix_share_label = second_choice(o, "smoothmixLabel", "smoothmixLabel", "openmixup", "share");
    const auto layers = number_list(o, "manifoldLayers");
    if (layers.size() != 2) config_error("manifoldLayers must be [first, last]");
    m.manifold_first_layer = static_cast<int64_t>(layers[0]);
    m.manifold_last_layer = static_cast<int64_t>(layers[1]);
    const auto scale = number_list(o, "resizeScale");
    if (scale.size() != 2) config_error("resizeScale must be [min, max]");
    m.resize_min_scale = scale[0];
    m.resize_max_scale = scale[1];
    m.snapmix_per_sample = second_choice(o, "snapmixLabel", "snapmixLabel", "batch-mean", "per-sample");
    auto puzzle = object_field(o, "puzzle");
    m.puzzle_block_num = int_field(puzzle, "blockNum", 2, 12);
    m.puzzle_beta = number_field(puzzle, "beta");
    m.puzzle_gamma = number_field(puzzle, "gamma");
    m.puzzle_eta = number_field(puzzle, "eta");
    m.puzzle_neighbour_size = int_field(puzzle, "neighbourSize", 1, 4096);
    m.puzzle_transport = bool_field(puzzle, "transport");
    m.puzzle_transport_eps = number_field(puzzle, "transportEps");
    m.puzzle_transport_size = int_field(puzzle, "transportSize", -1, 4096);
    if (m.name == "attentivemix") {
      auto attentive = object_field(o, "attentive");
      if (attentive.Get("beta").IsNumber()) m.attentive_beta = number_field(attentive, "beta");
      m.attentive_weights = read_tensor_record(o.Get("attentiveWeights"));
    }
    modes.push_back(m);
  }
  return modes;
}

BranchDraws read_branch(const Napi::Object& o, const char* key) {
  auto branch = object_field(o, key);
  BranchDraws d;
  d.lambdas = number_list(branch, "lambdas");
  auto perms = branch.Get("permutations");
  if (!perms.IsArray()) config_error(std::string("forced ") + key + ".permutations must be an array of arrays");
  auto array = perms.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    d.permutations.push_back(int_list(array.Get(i), std::string("forced ") + key + ".permutations"));
  }
  return d;
}

}  // namespace

AugmentOptions read_augment_options(const Napi::Object& o) {
  AugmentOptions a;
  a.crop_padding = int_field(o, "cropPadding", 0, 1024);
  a.flip = bool_field(o, "flip");
  a.mean = number_list(o, "mean");
  a.std = number_list(o, "std");
  // Optional (absent: off): RandomResizedCrop and the test view's resize and centre crop.
  if (present(o, "resizedCrop") && !o.Get("resizedCrop").IsNull()) {
    auto rc = object_field(o, "resizedCrop");
    a.resized_crop.size = int_field(rc, "size", 1, 16384);
    const auto scale = number_list(rc, "scale");
    const auto ratio = number_list(rc, "ratio");
    if (scale.size() != 2 || ratio.size() != 2) config_error("resizedCrop scale and ratio must be [min, max]");
    a.resized_crop.scale_min = scale[0];
    a.resized_crop.scale_max = scale[1];
    a.resized_crop.ratio_min = ratio[0];
    a.resized_crop.ratio_max = ratio[1];
    a.resized_crop.bicubic = bicubic_field(rc, "interpolation");
  }
  if (present(o, "randAugment") && !o.Get("randAugment").IsNull()) {
    auto ra = object_field(o, "randAugment");
    a.rand_augment.enabled = true;
    a.rand_augment.ops = int_field(ra, "ops", 0, 16);
    a.rand_augment.level = number_field(ra, "level");
    a.rand_augment.level_std = number_field(ra, "levelStd");
    a.rand_augment.total_level = number_field(ra, "totalLevel");
    a.rand_augment.fill = number_list(ra, "fill");
  }
  if (present(o, "evalResize")) a.eval_resize = int_field(o, "evalResize", 0, 16384);
  if (present(o, "evalCrop")) a.eval_crop = int_field(o, "evalCrop", 0, 16384);
  if (present(o, "evalInterpolation")) a.eval_bicubic = bicubic_field(o, "evalInterpolation");
  return a;
}

ModelOptions read_model_options(const Napi::Object& model) {
  ModelOptions m;
  m.arch = string_field(model, "arch");
  m.in_channels = int_field(model, "inChannels", 1, 64);
  m.num_classes = int_field(model, "numClasses", 2, 1000000);
  // Optional: left out, the architecture's defaults apply.
  if (!model.Get("baseWidth").IsUndefined()) m.base_width = int_field(model, "baseWidth", 0, 4096);
  if (!model.Get("imageSize").IsUndefined()) m.image_size = int_field(model, "imageSize", 0, 65536);
  if (!model.Get("dropPath").IsUndefined()) m.drop_path = number_field(model, "dropPath");
  if (m.drop_path >= 1.0) config_error("native options: 'dropPath' must be below 1");
  return m;
}

Tf32 tf32_field(const Napi::Object& o) {
  const auto value = string_field(o, "tf32");
  for (const Tf32 t : {Tf32::Off, Tf32::Convolutions, Tf32::All}) {
    if (value == tf32_name(t)) return t;
  }
  config_error("speed.tf32 must be 'off', 'convolutions' or 'all'");
}

SpeedOptions read_speed_options(const Napi::Object& o) {
  SpeedOptions s;
  s.bf16 = second_choice(o, "precision", "speed.precision", "fp32", "bf16");
  s.channels_last = bool_field(o, "channelsLast");
  s.cudnn_benchmark = bool_field(o, "cudnnBenchmark");
  s.pinned_memory = bool_field(o, "pinnedMemory");
  s.device_augment = bool_field(o, "deviceAugment");
  if (present(o, "multiTensor")) s.multi_tensor = bool_field(o, "multiTensor");
  if (present(o, "cudaGraphs")) s.cuda_graphs = bool_field(o, "cudaGraphs");
  if (present(o, "gpuOnly")) s.gpu_only = bool_field(o, "gpuOnly");
  if (present(o, "tf32")) s.tf32 = tf32_field(o);
  return s;
}

TrainerConfig read_trainer_config(const Napi::Object& o) {
  TrainerConfig c;
  c.device = string_field(o, "device");
  c.threads = int_field(o, "threads", 0, 4096);
  c.seed = static_cast<uint64_t>(int_field(o, "seed", 0, 9007199254740991LL));

  c.model = read_model_options(object_field(o, "model"));

  c.augment = read_augment_options(object_field(o, "augment"));

  auto method = object_field(o, "method");
  c.method.name = string_field(method, "name");
  c.method.alpha = number_field(method, "alpha");
  if (c.method.name == "automix" || c.method.name == "adautomix") {
    c.method.learned = read_learned_mix_options(object_field(method, "learned"));
  }
  if (method.Has("modes") && !method.Get("modes").IsUndefined() && !method.Get("modes").IsNull()) {
    c.method.modes = read_classic_modes(method);
  }

  auto optim = object_field(o, "optimizer");
  const auto main = read_sgd_group(optim);
  c.schedule.base_lr = main.lr;
  c.schedule.min_lr = main.min_lr;
  c.optimizer.momentum = main.momentum;
  c.optimizer.weight_decay = main.weight_decay;
  c.optimizer.nesterov = main.nesterov;
  read_optimizer_extras(optim, c);
  c.schedule.stepping =
      second_choice(optim, "lrStepping", "lrStepping", "epoch", "iteration") ? LrStepping::Iteration : LrStepping::Epoch;

  c.schedule.epochs = int_field(o, "epochs", 1, 1000000);
  c.schedule.steps_per_epoch = int_field(o, "stepsPerEpoch", 1, 1LL << 40);
  c.nan_policy = second_choice(o, "nanPolicy", "nanPolicy", "error", "skip-step") ? NanPolicy::SkipStep : NanPolicy::Error;
  // Optional for callers from before the speed options: the SpeedOptions defaults.
  if (present(o, "speed")) c.speed = read_speed_options(object_field(o, "speed"));
  return c;
}

HostBatch read_images(const Napi::Value& images, const Napi::Value& shape) {
  if (!images.IsTypedArray() || images.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Error(ErrorCode::Shape, "images must be a Uint8Array (NHWC, one byte per channel)");
  }
  if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 4) {
    throw Error(ErrorCode::Shape, "batch shape must be [n, height, width, channels]");
  }
  auto dims = shape.As<Napi::Array>();
  int64_t d[4];
  for (uint32_t i = 0; i < 4; ++i) {
    auto v = dims.Get(i);
    const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 1 && x <= 1e9 && x == std::floor(x))) {
      throw Error(ErrorCode::Shape, "batch shape entries must be positive integers");
    }
    d[i] = static_cast<int64_t>(x);
  }
  auto image_array = images.As<Napi::Uint8Array>();
  const double expected = static_cast<double>(d[0]) * d[1] * d[2] * d[3];
  if (static_cast<double>(image_array.ElementLength()) != expected) {
    throw Error(ErrorCode::Shape, "images hold " + std::to_string(image_array.ElementLength()) +
                                      " bytes but shape [" + std::to_string(d[0]) + "," + std::to_string(d[1]) + "," +
                                      std::to_string(d[2]) + "," + std::to_string(d[3]) + "] needs " +
                                      std::to_string(static_cast<int64_t>(expected)));
  }
  HostBatch b;
  b.images = image_array.Data();
  b.n = d[0];
  b.h = d[1];
  b.w = d[2];
  b.c = d[3];
  return b;
}

HostBatch read_batch(const Napi::Value& images, const Napi::Value& labels, const Napi::Value& shape) {
  HostBatch b = read_images(images, shape);
  if (!labels.IsTypedArray() || labels.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Error(ErrorCode::Shape, "labels must be an Int32Array");
  }
  auto label_array = labels.As<Napi::Int32Array>();
  if (static_cast<int64_t>(label_array.ElementLength()) != b.n) {
    throw Error(ErrorCode::Shape, "labels hold " + std::to_string(label_array.ElementLength()) + " entries for " +
                                      std::to_string(b.n) + " images");
  }
  b.labels = label_array.Data();
  return b;
}

ForcedDraws read_forced_draws(const Napi::Value& value) {
  ForcedDraws forced;
  if (value.IsUndefined() || value.IsNull()) return forced;
  if (!value.IsObject()) config_error("forced draws must be an object");
  auto o = value.As<Napi::Object>();
  if (o.Has("lambda") && !o.Get("lambda").IsUndefined()) {
    const double lambda = number_field(o, "lambda");
    if (lambda < 0 || lambda > 1) config_error("forced lambda must be in [0, 1]");
    forced.lambda = lambda;
  }
  if (o.Has("permutation") && !o.Get("permutation").IsUndefined()) {
    forced.permutation = int_list(o.Get("permutation"), "forced permutation");
  }
  if (o.Has("mode") && !o.Get("mode").IsUndefined()) forced.mode = int_field(o, "mode", 0, 1000);
  if (o.Has("generator") && !o.Get("generator").IsUndefined()) forced.generator_branch = read_branch(o, "generator");
  if (o.Has("classifier") && !o.Get("classifier").IsUndefined()) forced.classifier_branch = read_branch(o, "classifier");
  if (o.Has("skipGenerator") && !o.Get("skipGenerator").IsUndefined()) forced.skip_generator = bool_field(o, "skipGenerator");
  return forced;
}

}  // namespace adx::node
