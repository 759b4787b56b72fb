// The model zoo by name: what `model.arch` may say, each architecture's defaults, and the one
// place that turns ModelOptions into a backbone.
#pragma once

#include <string>
#include <vector>

#include "models/backbone.h"

namespace adx {

struct ModelOptions {
  std::string arch = "resnet18_cifar";
  int64_t in_channels = 3;
  int64_t num_classes = 10;
  int64_t base_width = 0;   // 0: the architecture's own (64 ResNet, 128 WRN-28-8, 96 Swin-T/ConvNeXt-T)
  int64_t image_size = 0;   // 0: the architecture's own (32 CIFAR variants, 224 ImageNet variants)
  double drop_path = -1.0;  // < 0: the architecture's own stochastic-depth rate
};

struct ModelInfo {
  std::string name;
  std::string family;       // resnet | resnext | wrn | swin | convnext
  std::string description;
  bool cifar_stem;
  int64_t base_width;
  int64_t image_size;
  double drop_path;         // 0 where the architecture has no stochastic depth
  int64_t stages;
};

const std::vector<ModelInfo>& list_models();

// The registry entry for `arch` (E_CONFIG naming the choices when unknown).
const ModelInfo& model_info(const std::string& arch);

// A backbone with fresh, untrained modules (call reset_parameters to draw weights).
Backbone make_backbone(const ModelOptions& options);

}  // namespace adx
