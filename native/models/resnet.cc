#include "models/resnet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/container/sequential.h>

#include "core/errors.h"
#include "models/init.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

std::vector<int64_t> blocks_per_stage(int64_t depth) {
  if (depth == 18) return {2, 2, 2, 2};
  if (depth == 34) return {3, 4, 6, 3};
  throw Error(ErrorCode::Config, "ResNet depth must be 18 or 34 for BasicBlock networks, got " +
                                     std::to_string(depth));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv3x3(in_planes, planes, stride));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, 1));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  if (stride != 1 || in_planes != planes) {
    downsample = register_module(
        "downsample",
        torch::nn::Sequential(
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in_planes, planes, 1).stride(stride).bias(false)),
            torch::nn::BatchNorm2d(planes)));
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = F::relu(bn1(conv1(x)), F::ReLUFuncOptions().inplace(true));
  out = bn2(conv2(out));
  out += downsample ? downsample->forward(x) : x;
  return F::relu(out, F::ReLUFuncOptions().inplace(true));
}

ResNetImpl::ResNetImpl(const ResNetOptions& options) : options_(options) {
  if (options.base_width < 1 || options.in_channels < 1) {
    throw Error(ErrorCode::Config, "ResNet base width and input channels must be positive");
  }
  const int64_t w = options.base_width;
  conv1 = register_module(
      "conv1", options.cifar_stem
                   ? conv3x3(options.in_channels, w, 1)
                   : torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels, w, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(w));
  const auto blocks = blocks_per_stage(options.depth);
  int64_t in_planes = w;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const int64_t planes = w << i;
    auto stage = make_stage(in_planes, planes, blocks[i], i == 0 ? 1 : 2);
    stages_.push_back(register_module("layer" + std::to_string(i + 1), stage));
  }
}

torch::nn::Sequential ResNetImpl::make_stage(int64_t& in_planes, int64_t planes, int64_t blocks, int64_t stride) {
  torch::nn::Sequential stage;
  for (int64_t b = 0; b < blocks; ++b) {
    auto block = BasicBlock(in_planes, planes, b == 0 ? stride : 1);
    stage->push_back(block);
    in_planes = planes;
  }
  return stage;
}

void ResNetImpl::reset_parameters(at::Generator& gen) {
  init_conv_and_norm(*this, gen);
  if (!options_.zero_init_residual) return;
  torch::NoGradGuard no_grad;
  for (auto& stage : stages_) {
    for (auto& block : stage->children()) {
      if (auto* basic = block->as<BasicBlockImpl>()) basic->bn2->weight.zero_();
    }
  }
}

std::vector<torch::Tensor> ResNetImpl::forward(const torch::Tensor& x) {
  auto h = F::relu(bn1(conv1(x)), F::ReLUFuncOptions().inplace(true));
  if (!options_.cifar_stem) h = F::max_pool2d(h, F::MaxPool2dFuncOptions(3).stride(2).padding(1));
  std::vector<torch::Tensor> outs;
  outs.reserve(stages_.size());
  for (auto& stage : stages_) {
    h = stage->forward(h);
    outs.push_back(h);
  }
  return outs;
}

}  // namespace adx
