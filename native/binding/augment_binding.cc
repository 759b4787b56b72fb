#include "binding/augment_binding.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "core/compat.h"
#include "core/errors.h"
#include "data/augment.h"
#include "data/rand_augment.h"
#include "data/resized_crop.h"
#include "node/arguments.h"
#include "node/read_options.h"
#include "node/tensor_records.h"

namespace adx::node {

Napi::Value augment_batch(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
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
  });
}

Napi::Value resized_crop_boxes(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const auto h = static_cast<int64_t>(number_argument(info, 0, "h", 1, 1e6, true));
    const auto w = static_cast<int64_t>(number_argument(info, 1, "w", 1, 1e6, true));
    const auto count = static_cast<int64_t>(number_argument(info, 2, "count", 1, 1e6, true));
    if (!info[3].IsObject()) throw Error(ErrorCode::Config, "resizedCropBoxes needs augment options");
    const auto options = read_augment_options(info[3].As<Napi::Object>());
    check_resized_crop(options.resized_crop);
    const double seed = info[4].IsNumber() ? info[4].As<Napi::Number>().DoubleValue() : 0;
    auto gen = compat::make_cpu_generator(static_cast<uint64_t>(seed));
    auto out = Napi::Array::New(env, static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
      const auto b = sample_resized_crop(h, w, options.resized_crop, gen);
      auto box = Napi::Array::New(env, 4);
      box.Set(0u, static_cast<double>(b.top));
      box.Set(1u, static_cast<double>(b.left));
      box.Set(2u, static_cast<double>(b.height));
      box.Set(3u, static_cast<double>(b.width));
      out.Set(static_cast<uint32_t>(i), box);
    }
    return out;
  });
}

Napi::Value rand_augment_op(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const HostBatch batch = read_images(info[0], info[1]);
    if (!info[2].IsString() || !info[3].IsNumber() || !info[4].IsArray()) {
      throw Error(ErrorCode::Config, "randAugmentOp(images, shape, op, magnitude, fill[])");
    }
    const RandOp op = rand_op_from_name(info[2].As<Napi::String>().Utf8Value());
    const double magnitude = info[3].As<Napi::Number>().DoubleValue();
    std::vector<double> fill;
    auto list = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) fill.push_back(list.Get(i).ToNumber().DoubleValue());
    if (static_cast<int64_t>(fill.size()) != batch.c) throw Error(ErrorCode::Config, "fill needs one value per channel");
    auto images = torch::from_blob(const_cast<uint8_t*>(batch.images), {batch.n, batch.h, batch.w, batch.c}, torch::kUInt8)
                      .permute({0, 3, 1, 2})
                      .to(torch::kFloat32)
                      .contiguous();
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < batch.n; ++i) out.push_back(apply_rand_op(images[i], op, magnitude, fill));
    return float32_array(env, torch::stack(out).contiguous());
  });
}

}  // namespace adx::node
