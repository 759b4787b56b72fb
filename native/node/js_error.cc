#include "node/js_error.h"

#include <memory>

namespace adx::node {

namespace {

struct AddonData {
  Napi::FunctionReference error_class;
};

AddonData* addon_data(Napi::Env env) {
  auto* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);  // freed by node-addon-api when the environment ends
  }
  return data;
}

}  // namespace

void set_error_class(Napi::Env env, Napi::Function ctor) {
  addon_data(env)->error_class = Napi::Persistent(ctor);
}

Napi::Error make_error(Napi::Env env, const ErrorInfo& info) {
  auto& ctor = addon_data(env)->error_class;
  if (!ctor.IsEmpty()) {
    auto value = ctor.New({Napi::String::New(env, info.message), Napi::String::New(env, info.code),
                           Napi::String::New(env, info.detail)});
    return Napi::Error(env, value);
  }
  auto error = Napi::Error::New(env, info.message);
  error.Set("code", Napi::String::New(env, info.code));
  if (!info.detail.empty()) error.Set("detail", Napi::String::New(env, info.detail));
  return error;
}

void rethrow_as_js(Napi::Env env) { throw make_error(env, describe_current_exception()); }

}  // namespace adx::node
