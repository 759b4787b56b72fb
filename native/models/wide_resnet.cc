#include "models/wide_resnet.h"

#include <torch/nn/functional/activation.h>

#include "core/errors.h"
#include "models/init.h"
#include "models/strided_pointwise.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

torch::nn::BatchNorm2d wrn_norm(int64_t channels) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).momentum(0.001).eps(0.001));
}

torch::nn::Conv2d wrn_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(true));
}

torch::Tensor leaky(const torch::Tensor& x) { return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.1)); }

// A stage holder so that state keys read block1.layer.0.conv1 as in OpenMixup.
struct NetworkBlockImpl : torch::nn::Module {
  explicit NetworkBlockImpl(torch::nn::Sequential blocks) { layer = register_module("layer", std::move(blocks)); }
  torch::nn::Sequential layer;
};
TORCH_MODULE(NetworkBlock);

}  // namespace

WideBasicBlockImpl::WideBasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride, bool activate_shortcut)
    : activate_shortcut_(activate_shortcut) {
  bn1 = register_module("bn1", wrn_norm(in_planes));
  conv1 = register_module("conv1", wrn_conv(in_planes, planes, 3, stride));
  bn2 = register_module("bn2", wrn_norm(planes));
  conv2 = register_module("conv2", wrn_conv(planes, planes, 3, 1));
  if (stride != 1 || in_planes != planes) convShortcut = register_module("convShortcut", wrn_conv(in_planes, planes, 1, stride));
}

torch::Tensor WideBasicBlockImpl::forward(const torch::Tensor& x) {
  const auto activated = leaky(bn1(x));
  auto out = conv2(leaky(bn2(conv1(activated))));
  if (!convShortcut) return out + x;
  return out + strided_pointwise_conv(*convShortcut, activate_shortcut_ ? activated : x);
}

WideResNetImpl::WideResNetImpl(const WideResNetOptions& options) : options_(options) {
  if (options.depth < 10 || (options.depth - 4) % 6 != 0) {
    throw Error(ErrorCode::Config, "WRN depth must be 6n + 4 (10, 16, 22, 28, ...), got " + std::to_string(options.depth));
  }
  if (options.base_width < 1 || options.in_channels < 1) {
    throw Error(ErrorCode::Config, "WRN base width and input channels must be positive");
  }
  const int64_t per_stage = (options.depth - 4) / 6;
  constexpr int64_t kStemWidth = 16;
  conv1 = register_module("conv1", wrn_conv(options.in_channels, kStemWidth, 3, 1));
  int64_t in_planes = kStemWidth;
  for (int64_t s = 0; s < 3; ++s) {
    const int64_t planes = options.base_width << s;
    torch::nn::Sequential blocks;
    for (int64_t b = 0; b < per_stage; ++b) {
      blocks->push_back(WideBasicBlock(b == 0 ? in_planes : planes, planes, b == 0 && s > 0 ? 2 : 1, s == 0 && b == 0));
    }
    in_planes = planes;
    register_module("block" + std::to_string(s + 1), NetworkBlock(blocks));
    stages_.push_back(blocks);
  }
  bn1 = register_module("bn1", wrn_norm(in_planes));
}

void WideResNetImpl::reset_parameters(at::Generator& gen) {
  // Kaiming fan_out with leaky_relu's default a = 0, i.e. the ReLU gain; biases 0.
  init_conv_and_norm(*this, gen);
}

std::vector<torch::Tensor> WideResNetImpl::forward(const torch::Tensor& x) {
  auto h = conv1(x);
  std::vector<torch::Tensor> outs;
  for (size_t s = 0; s < stages_.size(); ++s) {
    h = stages_[s]->forward(h);
    if (s + 1 == stages_.size()) h = leaky(bn1(h));
    h = after_stage(static_cast<int64_t>(s), h);
    outs.push_back(h);
  }
  return outs;
}

}  // namespace adx
