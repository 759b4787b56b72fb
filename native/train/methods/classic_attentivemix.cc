// AttentiveMix (ALGORITHMS.md §3): a frozen ImageNet-pretrained ResNet-18 looks at each image
// (resized to 224², last stage 7×7×512, channel mean); the k = clamp(⌊49λ⌋, 1, 49) most attended
// cells of the original are kept and the rest shows the partner. Label weights: each sample's
// kept share (the nearest upsampling of 7×7 to a size that is not a multiple of 7 gives cells
// of unequal size).
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "mix/sampling.h"
#include "models/pretrained.h"
#include "models/registry.h"
#include "train/methods/classic_mixer.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

constexpr int64_t kAttentionInput = 224;

class AttentiveMix : public ClassicMixer {
 public:
  explicit AttentiveMix(const ClassicModeOptions& o) : alpha_(o.alpha), beta_(o.attentive_beta) {
    ModelOptions net;
    net.arch = "resnet18";
    net.in_channels = 3;
    net.num_classes = 1000;
    network_ = make_backbone(net);
    load_pretrained(*network_, {}, o.attentive_weights, /*skip_classifier=*/true);
    network_->eval();
    for (auto& p : network_->parameters()) p.set_requires_grad(false);
  }

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const auto& x = in.x;
    const int64_t n = x.size(0), channels = x.size(1), h = x.size(2), w = x.size(3);
    if (channels != 1 && channels != 3) {
      throw Error(ErrorCode::Shape, "attentivemix's pretrained network sees 1- or 3-channel images, got " + std::to_string(channels));
    }
    const double lambda = in.forced.lambda ? *in.forced.lambda
                          : std::isnan(beta_) ? sample_beta(alpha_, in.gen)
                                              : sample_beta(alpha_, beta_, in.gen);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);

    torch::Tensor attention;
    {
      torch::NoGradGuard no_grad;
      if (device_ != x.device()) {
        network_->to(x.device());
        device_ = x.device();
      }
      const auto rgb = channels == 1 ? x.expand({n, 3, h, w}) : x;
      const auto resized = F::interpolate(rgb, F::InterpolateFuncOptions()
                                                   .size(std::vector<int64_t>{kAttentionInput, kAttentionInput})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(false));
      attention = network_->forward(resized).back().mean(1).flatten(1);  // [B, cells]
    }
    const int64_t cells = attention.size(1);
    const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(cells))));  // 7 at 224²
    const int64_t keep = std::clamp<int64_t>(static_cast<int64_t>(std::floor(static_cast<double>(cells) * lambda)), 1, cells);
    auto kept = torch::zeros_like(attention).scatter_(1, std::get<1>(attention.topk(keep, 1)), 1.0);
    const auto keep_mask = F::interpolate(kept.view({n, 1, side, side}), F::InterpolateFuncOptions()
                                                                          .size(std::vector<int64_t>{h, w})
                                                                          .mode(torch::kNearest))
                               .to(x.scalar_type());
    auto mixed = keep_mask * x + (1.0 - keep_mask) * x.index_select(0, perm);
    return own_share_output(std::move(perm), std::move(mixed), keep_mask);
  }

 private:
  double alpha_, beta_;
  Backbone network_;
  torch::Device device_{torch::kCPU};  // where network_ is now
};

}  // namespace

std::unique_ptr<ClassicMixer> make_attentivemix_mixer(const ClassicModeOptions& o) {
  if (o.attentive_weights.empty()) {
    throw Error(ErrorCode::Config, "attentivemix needs method.attentive.pretrained: a torchvision resnet18 state dict as safetensors");
  }
  if (!std::isnan(o.attentive_beta) && !(o.attentive_beta > 0)) throw Error(ErrorCode::Config, "attentivemix beta must be > 0");
  return std::make_unique<AttentiveMix>(o);
}

}  // namespace adx
