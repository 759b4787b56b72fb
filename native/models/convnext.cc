#include "models/convnext.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

#include "core/errors.h"
#include "models/drop_path.h"
#include "models/init.h"

namespace adx {

torch::nn::LayerNorm channel_norm(int64_t channels) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(1e-6));
}

torch::Tensor apply_channel_norm(torch::nn::LayerNorm& norm, const torch::Tensor& nchw) {
  return norm(nchw.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

ConvNeXtBlockImpl::ConvNeXtBlockImpl(int64_t dim, double layer_scale_init, double drop_path, SharedRandomSource random)
    : layer_scale_init_(layer_scale_init), drop_path_(drop_path), random_(std::move(random)) {
  // torchvision's CNBlock is a Sequential whose slots 1, 4 and 6 are parameter-free
  // (permute, GELU, permute): the parameters sit at block.0, block.2, block.3 and block.5.
  auto block = add_container(*this, "block");
  dwconv = block->register_module("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim, 7).padding(3).groups(dim)));
  norm = block->register_module("2", channel_norm(dim));
  pwconv1 = block->register_module("3", torch::nn::Linear(dim, 4 * dim));
  pwconv2 = block->register_module("5", torch::nn::Linear(4 * dim, dim));
  layer_scale = register_parameter("layer_scale", torch::full({dim, 1, 1}, layer_scale_init));
}

torch::Tensor ConvNeXtBlockImpl::forward(const torch::Tensor& x) {
  auto h = norm(dwconv(x).permute({0, 2, 3, 1}));
  h = pwconv2(torch::nn::functional::gelu(pwconv1(h))).permute({0, 3, 1, 2});
  return drop_path(layer_scale * h, drop_path_, is_training(), *random_) + x;
}

void ConvNeXtBlockImpl::reset_parameters(at::Generator& gen) {
  torch::NoGradGuard no_grad;
  layer_scale.fill_(layer_scale_init_);
}

ConvNeXtImpl::ConvNeXtImpl(const ConvNeXtOptions& options) : options_(options) {
  if (options.depths.size() < 2 || options.base_width < 1 || options.in_channels < 1) {
    throw Error(ErrorCode::Config, "ConvNeXt needs at least 2 stages, a positive width and input channels");
  }
  const auto rates = drop_path_rates(options.depths, options.drop_path, "ConvNeXt");

  auto features = add_container(*this, "features");
  auto stem = add_container(*features, "0");
  const int64_t w = options.base_width;
  stem_conv = stem->register_module(
      "0", torch::nn::Conv2d(options.cifar_stem ? torch::nn::Conv2dOptions(options.in_channels, w, 3).padding(1)
                                                : torch::nn::Conv2dOptions(options.in_channels, w, 4).stride(4)));
  stem_norm = stem->register_module("1", channel_norm(w));
  int64_t block_id = 0, slot = 1;
  for (size_t s = 0; s < options.depths.size(); ++s) {
    const int64_t dim = w << s;
    if (s > 0) {
      auto down = add_container(*features, std::to_string(slot++));
      down_norms_.push_back(down->register_module("0", channel_norm(dim / 2)));
      down_convs_.push_back(down->register_module("1", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim / 2, dim, 2).stride(2))));
    }
    auto stage = add_container(*features, std::to_string(slot++));
    std::vector<ConvNeXtBlock> blocks;
    for (int64_t b = 0; b < options.depths[s]; ++b) {
      blocks.push_back(stage->register_module(
          std::to_string(b), ConvNeXtBlock(dim, options.layer_scale, rates[block_id++], random_source())));
    }
    stages_.push_back(std::move(blocks));
  }
  // torchvision's classifier is Sequential(LayerNorm2d, Flatten, Linear): the norm is ours
  // (classifier.0), the Linear is the head's.
  auto classifier = add_container(*this, "classifier");
  final_norm = classifier->register_module("0", channel_norm(out_channels()));
}

std::vector<torch::Tensor> ConvNeXtImpl::forward(const torch::Tensor& x) {
  auto h = apply_channel_norm(stem_norm, stem_conv(x));
  std::vector<torch::Tensor> outs;
  for (size_t s = 0; s < stages_.size(); ++s) {
    if (s > 0) h = down_convs_[s - 1](apply_channel_norm(down_norms_[s - 1], h));
    for (auto& block : stages_[s]) h = block(h);
    h = after_stage(static_cast<int64_t>(s), h);
    outs.push_back(h);
  }
  return outs;
}

torch::Tensor ConvNeXtImpl::pool(const torch::Tensor& last_stage) {
  // OpenMixup's gap_before_final_norm and torchvision alike: pool, then normalise.
  return final_norm(last_stage.mean({2, 3}));
}

void ConvNeXtImpl::reset_parameters(at::Generator& gen) {
  init_trunc_normal(*this, 0.02, /*convs_too=*/true, gen);
  for (auto& stage : stages_) {
    for (auto& block : stage) block->reset_parameters(gen);
  }
}

}  // namespace adx
