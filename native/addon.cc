// Module entry: exports the NativeTrainer class and a few facts about the LibTorch build.
#include <napi.h>

#include "binding/augment_binding.h"
#include "binding/trainer_binding.h"
#include "core/compat.h"
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
  o.Set("defaultThreads", static_cast<double>(at::get_num_threads()));
  return o;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTrainer", adx::node::TrainerBinding::define(env));
  exports.Set("augmentBatch", Napi::Function::New(env, adx::node::augment_batch, "augmentBatch"));
  exports.Set("setErrorClass", Napi::Function::New(env, set_error_class, "setErrorClass"));
  exports.Set("buildInfo", Napi::Function::New(env, build_info, "buildInfo"));
  return exports;
}

}  // namespace

NODE_API_MODULE(adautomix, init)
