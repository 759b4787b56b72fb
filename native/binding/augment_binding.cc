#include "binding/augment_binding.h"

#include <torch/torch.h>


#include "core/compat.h"
#include "core/errors.h"
#include "data/augment.h"
#include "node/js_error.h"
#include "node/read_options.h"
#include "node/tensor_records.h"

namespace adx::node {

Napi::Value augment_batch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  try {
    const HostBatch batch = read_images(info[0], info[1]);
    if (!info[2].IsObject()) throw Error(ErrorCode::Config, "augmentBatch needs an options object");
    const auto options = read_augment_options(info[2].As<Napi::Object>());
    check_normalisation(options, batch.c);
    check_crop_fits(options, batch.h, batch.w);
    const double seed = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 0;
    const bool train = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
    auto gen = compat::make_cpu_generator(static_cast<uint64_t>(seed));
    const torch::Device cpu(torch::kCPU);
    return float32_array(env, train ? train_batch_tensor(batch, options, gen, cpu) : eval_batch_tensor(batch, options, cpu));
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    rethrow_as_js(env);
  }
}

}  // namespace adx::node
