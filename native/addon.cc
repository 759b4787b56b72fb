// Module entry: exports the NativeTrainer class, the model registry and a few facts about the
// LibTorch build.
#include <napi.h>

#include "binding/augment_binding.h"
#include "binding/mask_binding.h"
#include "binding/trainer_binding.h"
#include "core/compat.h"
#include "core/cpu_block_cache.h"
#include "core/cuda_memory.h"
#include "node/arguments.h"
#include "models/registry.h"
#include "node/js_error.h"

namespace {

Napi::Value set_error_class(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "setErrorClass needs a constructor");
  }
  adx::node::set_error_class(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value build_info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", adx::compat::torch_version());
  o.Set("cudaAvailable", adx::compat::cuda_available());
  o.Set("cudaDeviceCount", static_cast<double>(adx::compat::cuda_available() ? adx::compat::cuda_device_count() : 0));
#ifdef ADX_WITH_CUDA
  o.Set("cudaBuild", true);
#else
  o.Set("cudaBuild", false);
#endif
#ifdef ADX_WITH_CUDA_GRAPHS
  o.Set("cudaGraphs", true);
#else
  o.Set("cudaGraphs", false);
#endif
  o.Set("defaultThreads", static_cast<double>(at::get_num_threads()));
  const auto cache = adx::cpu_block_cache_stats();
  auto c = Napi::Object::New(env);
  c.Set("installed", cache.installed);
  c.Set("idleLimitMB", static_cast<double>(cache.idle_limit_bytes >> 20));
  c.Set("idleMB", static_cast<double>(cache.idle_bytes) / (1 << 20));
  c.Set("liveMB", static_cast<double>(cache.live_bytes) / (1 << 20));
  c.Set("reused", static_cast<double>(cache.reused));
  c.Set("fresh", static_cast<double>(cache.fresh));
  o.Set("cpuBlockCache", c);
  return o;
}

// cudaMemory(deviceIndex, resetPeak): the CUDA allocator's counters in MiB (E_DEVICE without CUDA).
Napi::Value cuda_memory(const Napi::CallbackInfo& info) {
  return adx::node::guarded(info, [&](Napi::Env env) -> Napi::Value {
    const auto index = static_cast<int64_t>(adx::node::number_argument(info, 0, "deviceIndex", 0, 1023, true));
    const bool reset = info.Length() > 1 && info[1].ToBoolean().Value();
    const auto m = adx::cuda_memory(index, reset);
    auto o = Napi::Object::New(env);
    o.Set("allocatedMB", m.allocated);
    o.Set("peakMB", m.peak);
    o.Set("reservedMB", m.reserved);
    return o;
  });
}

Napi::Value list_models(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& models = adx::list_models();
  auto out = Napi::Array::New(env, models.size());
  for (uint32_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    auto o = Napi::Object::New(env);
    o.Set("name", m.name);
    o.Set("family", m.family);
    o.Set("description", m.description);
    o.Set("cifarStem", m.cifar_stem);
    o.Set("baseWidth", static_cast<double>(m.base_width));
    o.Set("imageSize", static_cast<double>(m.image_size));
    o.Set("dropPath", m.drop_path);
    o.Set("stages", static_cast<double>(m.stages));
    out.Set(i, o);
  }
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  adx::install_cpu_block_cache();
  exports.Set("NativeTrainer", adx::node::TrainerBinding::define(env));
  exports.Set("augmentBatch", Napi::Function::New(env, adx::node::augment_batch, "augmentBatch"));
  exports.Set("resizedCropBoxes", Napi::Function::New(env, adx::node::resized_crop_boxes, "resizedCropBoxes"));
  exports.Set("randAugmentOp", Napi::Function::New(env, adx::node::rand_augment_op, "randAugmentOp"));
  exports.Set("fmixGrey", Napi::Function::New(env, adx::node::fmix_grey, "fmixGrey"));
  exports.Set("solveGridLabels", Napi::Function::New(env, adx::node::solve_grid_labels, "solveGridLabels"));
  exports.Set("setErrorClass", Napi::Function::New(env, set_error_class, "setErrorClass"));
  exports.Set("buildInfo", Napi::Function::New(env, build_info, "buildInfo"));
  exports.Set("cudaMemory", Napi::Function::New(env, cuda_memory, "cudaMemory"));
  exports.Set("listModels", Napi::Function::New(env, list_models, "listModels"));
  return exports;
}

}  // namespace

NODE_API_MODULE(adautomix, init)
