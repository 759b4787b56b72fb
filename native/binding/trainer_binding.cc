#include "binding/trainer_binding.h"

#include <algorithm>
#include <cmath>

#include "core/compat.h"
#include "core/cpu_block_cache.h"
#include "core/errors.h"
#include "node/js_error.h"
#include "node/read_options.h"
#include "node/tensor_records.h"

namespace adx::node {

namespace {

Napi::Value number_or_null(Napi::Env env, double v) {
  return std::isnan(v) ? env.Null() : Napi::Number::New(env, v);
}

Napi::Value step_to_js(Napi::Env env, const StepResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("loss", r.loss);
  o.Set("lr", r.lr);
  o.Set("generatorLr", number_or_null(env, r.generator_lr));
  o.Set("emaMomentum", number_or_null(env, r.ema_momentum));
  o.Set("lambda", number_or_null(env, r.lambda));
  auto terms = Napi::Object::New(env);
  for (const auto& [name, value] : r.terms) terms.Set(name, value);
  o.Set("terms", terms);
  o.Set("sources", static_cast<double>(r.sources));
  o.Set("adversarial", r.adversarial);
  o.Set("step", static_cast<double>(r.step));
  o.Set("skipped", r.skipped);
  o.Set("seconds", r.seconds);
  o.Set("mode", r.mode.empty() ? env.Null() : Napi::String::New(env, r.mode));
  o.Set("mixSeconds", number_or_null(env, r.mix_seconds));
  o.Set("graph", r.graph.empty() ? env.Null() : Napi::String::New(env, r.graph));
  return o;
}

Napi::Value eval_to_js(Napi::Env env, const EvalResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("count", static_cast<double>(r.count));
  auto heads = Napi::Object::New(env);
  for (const auto& h : r.heads) {
    auto head = Napi::Object::New(env);
    head.Set("correct1", static_cast<double>(h.correct1));
    head.Set("correct5", static_cast<double>(h.correct5));
    head.Set("lossSum", h.loss_sum);
    heads.Set(h.name, head);
  }
  o.Set("heads", heads);
  return o;
}

struct InitInfo {
  std::string device;
  bool automatic;
  int64_t threads;
  int64_t parameters;
  SpeedOptions speed;  // in effect
};

}  // namespace

Napi::Function TrainerBinding::define(Napi::Env env) {
  return DefineClass(env, "NativeTrainer",
                     {InstanceMethod<&TrainerBinding::init>("init"),
                      InstanceMethod<&TrainerBinding::train_step>("trainStep"),
                      InstanceMethod<&TrainerBinding::evaluate>("evaluate"),
                      InstanceMethod<&TrainerBinding::state>("state"),
                      InstanceMethod<&TrainerBinding::load_state>("loadState"),
                     InstanceMethod<&TrainerBinding::checkpoint>("checkpoint"),
                     InstanceMethod<&TrainerBinding::restore>("restore"),
                      InstanceMethod<&TrainerBinding::load_pretrained>("loadPretrained"),
                      InstanceMethod<&TrainerBinding::forward>("forward"),
                     InstanceMethod<&TrainerBinding::input_gradient>("inputGradient"),
                      InstanceMethod<&TrainerBinding::mix>("mix"),
                      InstanceMethod<&TrainerBinding::dispose>("dispose")});
}

TrainerBinding::TrainerBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerBinding>(info) {
  try {
    if (info.Length() < 1 || !info[0].IsObject()) throw Error(ErrorCode::Config, "NativeTrainer needs an options object");
    config_ = read_trainer_config(info[0].As<Napi::Object>());
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  worker_ = std::make_unique<WorkerThread>();
  jobs_ = std::make_unique<JobRunner>(info.Env());
  trainer_ = std::make_shared<std::unique_ptr<Trainer>>();
}

TrainerBinding::~TrainerBinding() {
  // Reached without dispose() only when the JS object was collected, which pending jobs prevent
  // (each holds a reference to it): the worker is idle here.
  if (worker_) worker_->stop();
  trainer_.reset();
}

Napi::Value TrainerBinding::disposed_promise(Napi::Env env) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(make_error(env, {"E_DISPOSED", "this trainer was disposed", ""}).Value());
  return deferred.Promise();
}

template <class R>
Napi::Value TrainerBinding::run(const Napi::CallbackInfo& info, std::function<R(Trainer&)> work,
                                std::function<Napi::Value(Napi::Env, const R&)> to_js,
                                std::vector<Napi::Object> keep_alive) {
  auto env = info.Env();
  if (disposed_) return disposed_promise(env);
  keep_alive.push_back(info.This().As<Napi::Object>());
  auto holder = trainer_;
  std::function<R()> job = [holder, work = std::move(work)]() -> R {
    if (!*holder) throw Error(ErrorCode::Config, "the native trainer is not initialised: call init() first");
    return work(**holder);
  };
  return jobs_->submit<R>(env, *worker_, std::move(job), std::move(to_js), keep_alive);
}

Napi::Value TrainerBinding::init(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (disposed_) return disposed_promise(env);
  auto holder = trainer_;
  auto config = config_;
  std::function<InitInfo()> job = [holder, config]() {
    if (!*holder) *holder = std::make_unique<Trainer>(config);
    auto& t = **holder;
    return InitInfo{t.device().name, t.device().automatic, t.threads(), t.parameter_count(), t.speed()};
  };
  std::function<Napi::Value(Napi::Env, const InitInfo&)> to_js = [](Napi::Env env, const InitInfo& i) -> Napi::Value {
    auto o = Napi::Object::New(env);
    o.Set("device", i.device);
    o.Set("deviceAutomatic", i.automatic);
    o.Set("threads", static_cast<double>(i.threads));
    o.Set("parameters", static_cast<double>(i.parameters));
    auto speed = Napi::Object::New(env);
    speed.Set("precision", i.speed.bf16 ? "bf16" : "fp32");
    speed.Set("channelsLast", i.speed.channels_last);
    speed.Set("cudnnBenchmark", i.speed.cudnn_benchmark);
    speed.Set("pinnedMemory", i.speed.pinned_memory);
    speed.Set("deviceAugment", i.speed.device_augment);
    speed.Set("multiTensor", i.speed.multi_tensor);
    speed.Set("cudaGraphs", i.speed.cuda_graphs);
    speed.Set("gpuOnly", i.speed.gpu_only);
    speed.Set("tf32", tf32_name(i.speed.tf32));
    o.Set("speed", speed);
    return o;
  };
  return jobs_->submit<InitInfo>(env, *worker_, std::move(job), std::move(to_js), {info.This().As<Napi::Object>()});
}

Napi::Value TrainerBinding::train_step(const Napi::CallbackInfo& info) {
  HostBatch batch;
  ForcedDraws forced;
  try {
    batch = read_batch(info[0], info[1], info[2]);
    forced = read_forced_draws(info[3]);
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  return run<StepResult>(
      info, [batch, forced](Trainer& t) { return t.train_step(batch, forced); }, step_to_js,
      {info[0].As<Napi::Object>(), info[1].As<Napi::Object>()});
}

Napi::Value TrainerBinding::evaluate(const Napi::CallbackInfo& info) {
  HostBatch batch;
  try {
    batch = read_batch(info[0], info[1], info[2]);
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  return run<EvalResult>(
      info, [batch](Trainer& t) { return t.evaluate(batch); }, eval_to_js,
      {info[0].As<Napi::Object>(), info[1].As<Napi::Object>()});
}

Napi::Value TrainerBinding::state(const Napi::CallbackInfo& info) {
  std::function<Napi::Value(Napi::Env, const std::vector<HostTensor>&)> to_js = tensor_record_to_js;
  return run<std::vector<HostTensor>>(info, [](Trainer& t) { return t.state(); }, to_js);
}

Napi::Value TrainerBinding::load_state(const Napi::CallbackInfo& info) {
  std::vector<HostTensor> tensors;
  try {
    tensors = read_tensor_record(info[0]);
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  auto shared = std::make_shared<std::vector<HostTensor>>(std::move(tensors));
  std::function<Napi::Value(Napi::Env, const bool&)> to_js = [](Napi::Env env, const bool&) -> Napi::Value {
    return env.Undefined();
  };
  return run<bool>(info, [shared](Trainer& t) { t.load_state(*shared); return true; }, to_js);
}

Napi::Value TrainerBinding::checkpoint(const Napi::CallbackInfo& info) {
  std::function<Napi::Value(Napi::Env, const Checkpoint&)> to_js = checkpoint_to_js;
  return run<Checkpoint>(info, [](Trainer& t) { return t.checkpoint(); }, to_js);
}

Napi::Value TrainerBinding::restore(const Napi::CallbackInfo& info) {
  Checkpoint checkpoint;
  try {
    checkpoint = read_checkpoint(info[0]);
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  auto shared = std::make_shared<Checkpoint>(std::move(checkpoint));
  std::function<Napi::Value(Napi::Env, const bool&)> to_js = [](Napi::Env env, const bool&) -> Napi::Value {
    return env.Undefined();
  };
  return run<bool>(info, [shared](Trainer& t) { t.restore(*shared); return true; }, to_js);
}

Napi::Value TrainerBinding::load_pretrained(const Napi::CallbackInfo& info) {
  std::vector<HostTensor> tensors;
  bool skip_classifier = false;
  try {
    tensors = read_tensor_record(info[0]);
    skip_classifier = info[1].ToBoolean().Value();
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  auto shared = std::make_shared<std::vector<HostTensor>>(std::move(tensors));
  std::function<Napi::Value(Napi::Env, const PretrainedReport&)> to_js = pretrained_report_to_js;
  return run<PretrainedReport>(
      info, [shared, skip_classifier](Trainer& t) { return t.load_pretrained(*shared, skip_classifier); }, to_js);
}

Napi::Value TrainerBinding::forward(const Napi::CallbackInfo& info) {
  HostTensor input;
  bool with_stages = false;
  try {
    input = read_host_tensor("forward input", info[0]);
    with_stages = info[1].ToBoolean().Value();
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  auto shared = std::make_shared<HostTensor>(std::move(input));
  std::function<Napi::Value(Napi::Env, const ForwardResult&)> to_js = forward_result_to_js;
  return run<ForwardResult>(info, [shared, with_stages](Trainer& t) { return t.forward(*shared, with_stages); }, to_js);
}

struct GradientResult {
  HostTensor gradient;
  double loss = 0;
};

Napi::Value TrainerBinding::input_gradient(const Napi::CallbackInfo& info) {
  HostTensor input;
  std::vector<int64_t> labels;
  std::string head;
  try {
    input = read_host_tensor("inputGradient input", info[0]);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Error(ErrorCode::Shape, "inputGradient labels must be an Int32Array");
    }
    auto l = info[1].As<Napi::Int32Array>();
    labels.assign(l.Data(), l.Data() + l.ElementLength());
    if (!info[2].IsString()) throw Error(ErrorCode::Config, "inputGradient needs a head name");
    head = info[2].As<Napi::String>().Utf8Value();
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  auto shared = std::make_shared<HostTensor>(std::move(input));
  std::function<Napi::Value(Napi::Env, const GradientResult&)> to_js = [](Napi::Env env, const GradientResult& r) -> Napi::Value {
    auto o = Napi::Object::New(env);
    auto values = Napi::Float32Array::New(env, r.gradient.values.size());
    std::copy(r.gradient.values.begin(), r.gradient.values.end(), values.Data());
    o.Set("gradient", values);
    o.Set("loss", r.loss);
    return o;
  };
  return run<GradientResult>(
      info,
      [shared, labels, head](Trainer& t) {
        GradientResult r;
        r.gradient = t.input_gradient(*shared, labels, head, r.loss);
        return r;
      },
      to_js);
}

Napi::Value TrainerBinding::mix(const Napi::CallbackInfo& info) {
  HostBatch batch;
  ForcedDraws forced;
  uint64_t seed = 0;
  try {
    batch = read_images(info[0], info[1]);
    if (!info[2].IsNumber()) throw Error(ErrorCode::Config, "mix seed must be a number");
    const double s = info[2].As<Napi::Number>().DoubleValue();
    if (!(s >= 0 && s <= 9007199254740991.0 && s == std::floor(s))) throw Error(ErrorCode::Config, "mix seed must be a non-negative integer");
    seed = static_cast<uint64_t>(s);
    forced = read_forced_draws(info[3]);
  } catch (...) {
    rethrow_as_js(info.Env());
  }
  std::function<Napi::Value(Napi::Env, const MixResult&)> to_js = mix_result_to_js;
  return run<MixResult>(
      info, [batch, forced, seed](Trainer& t) { return t.mix(batch, forced, seed); }, to_js,
      {info[0].As<Napi::Object>()});
}

Napi::Value TrainerBinding::dispose(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  if (disposed_) {
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  disposed_ = true;
  auto holder = trainer_;
  std::function<bool()> job = [holder]() {
    holder->reset();  // free the model and optimizer on the thread that used them
    release_cpu_block_cache();  // and hand the blocks they leave idle back to the system
    return true;
  };
  std::function<Napi::Value(Napi::Env, const bool&)> to_js = [this](Napi::Env env, const bool&) -> Napi::Value {
    worker_->stop();  // idle now: the dispose job was the last one queued
    jobs_->close();
    return env.Undefined();
  };
  return jobs_->submit<bool>(env, *worker_, std::move(job), std::move(to_js), {info.This().As<Napi::Object>()});
}

}  // namespace adx::node
