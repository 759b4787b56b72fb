// Swin-T (ALGORITHMS.md §4): 4x4 patch embedding + LayerNorm, four stages of Swin blocks
// (LayerNorm → window attention with relative position bias, every second block on windows
// shifted by half a window with the attention mask that keeps shifted regions apart → residual;
// LayerNorm → MLP 4× with GELU → residual; stochastic depth on both branches), patch merging
// between stages, final LayerNorm before global pooling.
//
// Parameter names follow torchvision's swin_t (features.*, norm, head), so its state dict loads
// as it is. Stage outputs follow OpenMixup (merging closes stages 1-3), so at 224² they are
// 28²×192, 14²×384, 7²×768, 7²×768 and the mix generators read 7²×768 as in the published
// configs. The window follows the resolution: a stage whose feature map is no larger than the
// window uses the whole map as one window, unshifted.
#pragma once

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <mutex>
#include <utility>

#include "models/backbone.h"

namespace adx {

struct SwinOptions {
  std::vector<int64_t> depths{2, 2, 6, 2};
  int64_t in_channels = 3;
  int64_t base_width = 96;    // embedding width; stage widths base, 2×, 4×, 8×
  int64_t head_dim = 32;      // heads per stage = width / head_dim (3, 6, 12, 24 for Swin-T)
  int64_t window = 7;
  int64_t patch = 4;
  int64_t image_size = 224;   // sets each stage's window (and so the bias tables' shapes)
  double drop_path = 0.2;
  double mlp_ratio = 4.0;
};

class WindowAttentionImpl : public torch::nn::Module {
 public:
  WindowAttentionImpl(int64_t dim, int64_t heads, int64_t window, int64_t shift);
  // x: [B, H, W, C] → [B, H, W, C].
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters(at::Generator& gen);

  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::Tensor relative_position_bias_table, relative_position_index;

 private:
  // The −100 / 0 mask that keeps the regions a cyclic shift brings together apart, per padded
  // map size; built once per size and device instead of every forward.
  torch::Tensor shift_mask(int64_t padded_h, int64_t padded_w, int64_t shift_h, int64_t shift_w,
                           const torch::Device& device);

  int64_t heads_, window_, shift_;
  std::mutex mask_mutex_;
  std::map<std::string, torch::Tensor> mask_cache_;
};
TORCH_MODULE(WindowAttention);

class SwinBlockImpl : public torch::nn::Module {
 public:
  SwinBlockImpl(int64_t dim, int64_t heads, int64_t window, int64_t shift, double mlp_ratio, double drop_path,
                SharedRandomSource random);
  torch::Tensor forward(const torch::Tensor& x);  // NHWC
  void reset_parameters(at::Generator& gen);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  WindowAttention attn{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  double drop_path_;
  SharedRandomSource random_;
};
TORCH_MODULE(SwinBlock);

class PatchMergingImpl : public torch::nn::Module {
 public:
  explicit PatchMergingImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);  // [B, H, W, C] → [B, ⌈H/2⌉, ⌈W/2⌉, 2C]

  torch::nn::Linear reduction{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchMerging);

class SwinTransformerImpl : public BackboneImpl {
 public:
  explicit SwinTransformerImpl(const SwinOptions& options);

  std::vector<torch::Tensor> forward(const torch::Tensor& x) override;
  torch::Tensor pool(const torch::Tensor& last_stage) override;
  void reset_parameters(at::Generator& gen) override;
  int64_t num_stages() const override { return static_cast<int64_t>(options_.depths.size()); }
  int64_t stage_channels(int64_t index) const override;
  std::string classifier_key() const override { return "head"; }
  HeadInit head_init() const override { return HeadInit::TruncNormal002; }

 private:
  SwinOptions options_;
  torch::nn::Conv2d patch_conv{nullptr};
  torch::nn::LayerNorm patch_norm{nullptr};
  std::vector<std::vector<SwinBlock>> stages_;
  std::vector<PatchMerging> merges_;
  torch::nn::LayerNorm norm{nullptr};
};

}  // namespace adx
