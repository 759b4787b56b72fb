#include "models/registry.h"

#include "core/errors.h"
#include "models/convnext.h"
#include "models/preact_resnet.h"
#include "models/resnet.h"
#include "models/swin.h"
#include "models/wide_resnet.h"

namespace adx {

namespace {

std::vector<ModelInfo> build_registry() {
  std::vector<ModelInfo> out;
  const std::vector<std::pair<std::string, int64_t>> resnets{{"resnet18", 18}, {"resnet34", 34}, {"resnet50", 50}, {"resnet101", 101}};
  for (bool cifar : {true, false}) {
    const std::string suffix = cifar ? "_cifar" : "";
    const std::string stem = cifar ? "3x3 stride-1 stem, no max-pool" : "7x7 stride-2 stem + max-pool";
    for (const auto& [name, depth] : resnets) {
      out.push_back({name + suffix, "resnet", "ResNet-" + std::to_string(depth) + ", " + stem, cifar, 64, cifar ? 32 : 224, 0.0, 4});
    }
    out.push_back({"resnext50_32x4d" + suffix, "resnext", "ResNeXt-50 32x4d, " + stem, cifar, 64, cifar ? 32 : 224, 0.0, 4});
  }
  for (int depth : {18, 34}) {
    out.push_back({"preactresnet" + std::to_string(depth), "preactresnet",
                   "PreAct ResNet-" + std::to_string(depth) + " (pre-activation, no norm after the last stage), CIFAR stem", true, 64, 32, 0.0, 4});
  }
  out.push_back({"wrn28_8", "wrn", "Wide ResNet 28-8 (pre-activation, LeakyReLU 0.1), CIFAR stem", true, 128, 32, 0.0, 3});
  out.push_back({"swin_t", "swin", "Swin-T, patch 4, window 7 (smaller where the map is smaller)", false, 96, 224, 0.2, 4});
  out.push_back({"convnext_tiny", "convnext", "ConvNeXt-T, 4x4 stride-4 stem", false, 96, 224, 0.1, 4});
  out.push_back({"convnext_tiny_cifar", "convnext", "ConvNeXt-T, 3x3 stride-1 CIFAR stem", true, 96, 32, 0.1, 4});
  return out;
}

Backbone make_resnet(const ModelInfo& info, const ModelOptions& o, int64_t width) {
  ResNetOptions r;
  r.in_channels = o.in_channels;
  r.base_width = width;
  r.cifar_stem = info.cifar_stem;
  if (info.family == "resnext") {
    r.depth = 50;
    r.groups = 32;
    r.width_per_group = 4;
  } else {
    r.depth = std::stoi(info.name.substr(6));  // "resnet50_cifar" → 50
  }
  return std::make_shared<ResNetImpl>(r);
}

}  // namespace

const std::vector<ModelInfo>& list_models() {
  static const std::vector<ModelInfo> registry = build_registry();
  return registry;
}

const ModelInfo& model_info(const std::string& arch) {
  for (const auto& m : list_models()) {
    if (m.name == arch) return m;
  }
  std::string names;
  for (const auto& m : list_models()) names += (names.empty() ? "" : ", ") + m.name;
  throw Error(ErrorCode::Config, "unknown model arch '" + arch + "'; available: " + names);
}

Backbone make_backbone(const ModelOptions& o) {
  const auto& info = model_info(o.arch);
  if (o.in_channels < 1) throw Error(ErrorCode::Config, "a model needs at least one input channel");
  // Unset (0, or < 0 for the rate) takes the architecture's default.
  const int64_t width = o.base_width > 0 ? o.base_width : info.base_width;
  const int64_t image_size = o.image_size > 0 ? o.image_size : info.image_size;
  const double drop_path = o.drop_path >= 0.0 ? o.drop_path : info.drop_path;
  if (o.drop_path > 0.0 && info.drop_path == 0.0) {
    throw Error(ErrorCode::Config, "model '" + o.arch + "' has no stochastic depth; leave dropPath unset");
  }
  if (info.family == "resnet" || info.family == "resnext") return make_resnet(info, o, width);
  if (info.family == "preactresnet") {
    PreActResNetOptions p;
    p.depth = std::stoi(info.name.substr(12));  // "preactresnet18" → 18
    p.in_channels = o.in_channels;
    p.base_width = width;
    return std::make_shared<PreActResNetImpl>(p);
  }
  if (info.family == "wrn") {
    WideResNetOptions w;
    w.in_channels = o.in_channels;
    w.base_width = width;
    return std::make_shared<WideResNetImpl>(w);
  }
  if (info.family == "swin") {
    SwinOptions s;
    s.in_channels = o.in_channels;
    s.base_width = width;
    s.image_size = image_size;
    s.drop_path = drop_path;
    return std::make_shared<SwinTransformerImpl>(s);
  }
  ConvNeXtOptions c;
  c.in_channels = o.in_channels;
  c.base_width = width;
  c.cifar_stem = info.cifar_stem;
  c.drop_path = drop_path;
  return std::make_shared<ConvNeXtImpl>(c);
}

}  // namespace adx
