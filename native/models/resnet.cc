#include "models/resnet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

#include "core/errors.h"
#include "models/init.h"
#include "models/strided_pointwise.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups = 1) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

// torchvision's shortcut: strided 1x1 conv + BN, registered as downsample.0 / downsample.1.
torch::nn::Sequential shortcut(int64_t in, int64_t out, int64_t stride) {
  return torch::nn::Sequential(conv(in, out, 1, stride), torch::nn::BatchNorm2d(out));
}

torch::Tensor shortcut_forward(torch::nn::Sequential& shortcut, const torch::Tensor& x) {
  auto* bn = shortcut[1]->as<torch::nn::BatchNorm2d>();
  return bn->forward(strided_pointwise_conv(*shortcut[0]->as<torch::nn::Conv2d>(), x));
}

std::vector<int64_t> blocks_per_stage(int64_t depth) {
  switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    case 101: return {3, 4, 23, 3};
    default:
      throw Error(ErrorCode::Config, "ResNet depth must be 18, 34, 50 or 101, got " + std::to_string(depth));
  }
}

torch::Tensor relu_inplace(const torch::Tensor& x) { return F::relu(x, F::ReLUFuncOptions().inplace(true)); }

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(in_planes, planes, 3, stride));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  if (stride != 1 || in_planes != planes) downsample = register_module("downsample", shortcut(in_planes, planes, stride));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = relu_inplace(bn1(conv1(x)));
  out = bn2(conv2(out));
  out += downsample ? shortcut_forward(downsample, x) : x;
  return relu_inplace(out);
}

BottleneckImpl::BottleneckImpl(int64_t in_planes, int64_t planes, int64_t stride, int64_t groups,
                               int64_t width_per_group) {
  const int64_t width = planes * width_per_group / 64 * groups;
  const int64_t out = planes * kExpansion;
  conv1 = register_module("conv1", conv(in_planes, width, 1, 1));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(width));
  conv2 = register_module("conv2", conv(width, width, 3, stride, groups));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(width));
  conv3 = register_module("conv3", conv(width, out, 1, 1));
  bn3 = register_module("bn3", torch::nn::BatchNorm2d(out));
  if (stride != 1 || in_planes != out) downsample = register_module("downsample", shortcut(in_planes, out, stride));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  auto out = relu_inplace(bn1(conv1(x)));
  out = relu_inplace(bn2(conv2(out)));
  out = bn3(conv3(out));
  out += downsample ? shortcut_forward(downsample, x) : x;
  return relu_inplace(out);
}

ResNetImpl::ResNetImpl(const ResNetOptions& options) : options_(options) {
  if (options.base_width < 1 || options.in_channels < 1) {
    throw Error(ErrorCode::Config, "ResNet base width and input channels must be positive");
  }
  const auto blocks = blocks_per_stage(options.depth);
  if (options.groups < 1 || options.width_per_group < 1 ||
      (bottleneck() && options.base_width * options.width_per_group / 64 < 1)) {
    throw Error(ErrorCode::Config, "ResNet base width " + std::to_string(options.base_width) +
                                       " is too small for its groups and width per group");
  }
  if (!bottleneck() && (options.groups != 1 || options.width_per_group != 64)) {
    throw Error(ErrorCode::Config, "grouped convolutions need a Bottleneck ResNet (depth 50 or 101)");
  }
  const int64_t w = options.base_width;
  conv1 = register_module("conv1", options.cifar_stem
                                       ? conv(options.in_channels, w, 3, 1)
                                       : torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels, w, 7)
                                                               .stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(w));
  int64_t in_planes = w;
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto stage = make_stage(in_planes, w << i, blocks[i], i == 0 ? 1 : 2);
    stages_.push_back(register_module("layer" + std::to_string(i + 1), stage));
  }
}

int64_t ResNetImpl::stage_channels(int64_t index) const {
  return (options_.base_width << index) * (bottleneck() ? BottleneckImpl::kExpansion : 1);
}

torch::nn::Sequential ResNetImpl::make_stage(int64_t& in_planes, int64_t planes, int64_t blocks, int64_t stride) {
  torch::nn::Sequential stage;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t s = b == 0 ? stride : 1;
    if (bottleneck()) {
      stage->push_back(Bottleneck(in_planes, planes, s, options_.groups, options_.width_per_group));
      in_planes = planes * BottleneckImpl::kExpansion;
    } else {
      stage->push_back(BasicBlock(in_planes, planes, s));
      in_planes = planes;
    }
  }
  return stage;
}

void ResNetImpl::reset_parameters(at::Generator& gen) {
  init_conv_and_norm(*this, gen);
  if (!options_.zero_init_residual) return;
  torch::NoGradGuard no_grad;
  for (auto& stage : stages_) {
    for (auto& block : stage->children()) {
      if (auto* basic = block->as<BasicBlockImpl>()) basic->last_norm()->weight.zero_();
      if (auto* bottle = block->as<BottleneckImpl>()) bottle->last_norm()->weight.zero_();
    }
  }
}

std::vector<torch::Tensor> ResNetImpl::forward(const torch::Tensor& x) {
  auto h = relu_inplace(bn1(conv1(x)));
  if (!options_.cifar_stem) h = F::max_pool2d(h, F::MaxPool2dFuncOptions(3).stride(2).padding(1));
  std::vector<torch::Tensor> outs;
  outs.reserve(stages_.size());
  for (size_t s = 0; s < stages_.size(); ++s) {
    h = after_stage(static_cast<int64_t>(s), stages_[s]->forward(h));
    outs.push_back(h);
  }
  return outs;
}

}  // namespace adx
