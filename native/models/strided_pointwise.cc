#include "models/strided_pointwise.h"

#include <torch/nn/functional/conv.h>

namespace adx {

namespace {

// At or above 16 input channels no x64 ISA's channel block is larger than the input.
constexpr int64_t kSafeInputChannels = 16;

// (The shortcuts are unpadded, so the padding is not looked at: its type differs between LibTorch
// versions.)
bool reaches_onednn_strided_1x1_bug(const torch::nn::detail::ConvNdOptions<2>& o, const torch::Tensor& x) {
  const auto& kernel = *o.kernel_size();
  const auto& stride = *o.stride();
  const bool strided_1x1 = kernel[0] == 1 && kernel[1] == 1 && (stride[0] > 1 || stride[1] > 1);
  return strided_1x1 && o.in_channels() < kSafeInputChannels && x.is_cpu() && x.dim() == 4 &&
         x.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
}

}  // namespace

torch::Tensor strided_pointwise_conv(torch::nn::Conv2dImpl& conv, const torch::Tensor& x) {
  const auto& o = conv.options;
  if (!reaches_onednn_strided_1x1_bug(o, x)) return conv.forward(x);
  const auto& stride = *o.stride();
  const auto pixels = x.slice(2, 0, x.size(2), stride[0]).slice(3, 0, x.size(3), stride[1]);
  return torch::nn::functional::conv2d(
      pixels, conv.weight, torch::nn::functional::Conv2dFuncOptions().bias(conv.bias).groups(o.groups()));
}

}  // namespace adx
