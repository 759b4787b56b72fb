#include "models/classifier.h"

#include <torch/nn/functional/pooling.h>

#include "core/errors.h"
#include "models/init.h"

namespace adx {

namespace {

ResNetOptions backbone_options(const ModelOptions& o) {
  ResNetOptions r;
  r.in_channels = o.in_channels;
  r.base_width = o.base_width;
  if (o.arch == "resnet18_cifar" || o.arch == "resnet34_cifar") {
    r.cifar_stem = true;
  } else if (o.arch == "resnet18" || o.arch == "resnet34") {
    r.cifar_stem = false;
  } else {
    throw Error(ErrorCode::Config, "unknown model arch '" + o.arch +
                                       "'; available: resnet18_cifar, resnet34_cifar, resnet18, resnet34");
  }
  r.depth = o.arch.rfind("resnet34", 0) == 0 ? 34 : 18;
  return r;
}

}  // namespace

ResNet make_backbone(const ModelOptions& options) { return ResNet(backbone_options(options)); }

LinearHeadImpl::LinearHeadImpl(int64_t in_features, int64_t num_classes) {
  fc = register_module("fc", torch::nn::Linear(in_features, num_classes));
}

torch::Tensor LinearHeadImpl::forward(const torch::Tensor& features) {
  auto pooled = torch::nn::functional::adaptive_avg_pool2d(
      features, torch::nn::functional::AdaptiveAvgPool2dFuncOptions(1));
  return fc(pooled.flatten(1));
}

ClassifierImpl::ClassifierImpl(const ModelOptions& options) {
  if (options.num_classes < 2) throw Error(ErrorCode::Config, "a classifier needs at least 2 classes");
  backbone = register_module("backbone", make_backbone(options));
  head = register_module("head", LinearHead(backbone->out_channels(), options.num_classes));
}

void ClassifierImpl::reset_parameters(at::Generator& gen) {
  backbone->reset_parameters(gen);
  init_linear_normal(*head, 0.01, gen);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) { return head(backbone(x).back()); }

}  // namespace adx
