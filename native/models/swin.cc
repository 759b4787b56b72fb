#include "models/swin.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/padding.h>

#include <cmath>

#include "core/errors.h"
#include "models/drop_path.h"
#include "models/init.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

// Pairwise index into the (2w−1)² bias table for the w² tokens of a window, row-major in the
// (Δrow, Δcol) offsets, as the Swin paper and torchvision lay it out.
torch::Tensor relative_position_index_for(int64_t window) {
  auto coords = torch::stack(torch::meshgrid({torch::arange(window), torch::arange(window)}, "ij")).flatten(1);
  auto rel = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();  // N, N, 2
  auto row = rel.select(2, 0) + (window - 1);
  auto col = rel.select(2, 1) + (window - 1);
  return (row * (2 * window - 1) + col).flatten();
}

torch::nn::LayerNorm token_norm(int64_t dim) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)); }

}  // namespace

WindowAttentionImpl::WindowAttentionImpl(int64_t dim, int64_t heads, int64_t window, int64_t shift)
    : heads_(heads), window_(window), shift_(shift) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  relative_position_bias_table =
      register_parameter("relative_position_bias_table", torch::zeros({(2 * window - 1) * (2 * window - 1), heads}));
  relative_position_index = register_buffer("relative_position_index", relative_position_index_for(window));
}

void WindowAttentionImpl::reset_parameters(at::Generator& gen) { trunc_normal_(relative_position_bias_table, 0.02, gen); }

torch::Tensor WindowAttentionImpl::shift_mask(int64_t padded_h, int64_t padded_w, int64_t shift_h, int64_t shift_w,
                                              const torch::Device& device) {
  const std::string key = std::to_string(padded_h) + "x" + std::to_string(padded_w) + "/" + std::to_string(shift_h) +
                          "x" + std::to_string(shift_w) + "@" + device.str();
  std::lock_guard<std::mutex> lock(mask_mutex_);
  auto found = mask_cache_.find(key);
  if (found != mask_cache_.end()) return found->second;
  // Label the (up to) 3x3 regions that the cyclic shift juxtaposes; tokens attend only within
  // their own region.
  auto region = torch::zeros({padded_h, padded_w});
  const int64_t w = window_;
  const std::vector<std::pair<int64_t, int64_t>> rows{{0, padded_h - w}, {padded_h - w, padded_h - shift_h}, {padded_h - shift_h, padded_h}};
  const std::vector<std::pair<int64_t, int64_t>> cols{{0, padded_w - w}, {padded_w - w, padded_w - shift_w}, {padded_w - shift_w, padded_w}};
  int64_t label = 0;
  for (const auto& [r0, r1] : rows) {
    for (const auto& [c0, c1] : cols) {
      if (r1 > r0 && c1 > c0) region.slice(0, r0, r1).slice(1, c0, c1).fill_(label);
      ++label;
    }
  }
  auto windows = region.view({padded_h / w, w, padded_w / w, w}).permute({0, 2, 1, 3}).reshape({-1, w * w});
  auto differs = windows.unsqueeze(1) - windows.unsqueeze(2);
  auto mask = torch::zeros_like(differs).masked_fill(differs != 0, -100.0).to(device);
  mask_cache_.emplace(key, mask);
  return mask;
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& input) {
  const int64_t B = input.size(0), H = input.size(1), W = input.size(2), C = input.size(3);
  const int64_t w = window_;
  const int64_t pad_b = (w - H % w) % w, pad_r = (w - W % w) % w;
  auto x = (pad_b || pad_r) ? F::pad(input, F::PadFuncOptions({0, 0, 0, pad_r, 0, pad_b})) : input;
  const int64_t ph = H + pad_b, pw = W + pad_r;
  // A window as large as the (padded) map needs no shift.
  const int64_t shift_h = w >= ph ? 0 : shift_, shift_w = w >= pw ? 0 : shift_;
  const bool shifted = shift_h > 0 || shift_w > 0;
  if (shifted) x = torch::roll(x, {-shift_h, -shift_w}, {1, 2});

  const int64_t windows = (ph / w) * (pw / w), tokens = w * w, head_dim = C / heads_;
  x = x.view({B, ph / w, w, pw / w, w, C}).permute({0, 1, 3, 2, 4, 5}).reshape({B * windows, tokens, C});
  auto qkv_out = qkv(x).reshape({B * windows, tokens, 3, heads_, head_dim}).permute({2, 0, 3, 1, 4});
  auto q = qkv_out[0] * std::pow(static_cast<double>(head_dim), -0.5);
  auto attn = q.matmul(qkv_out[1].transpose(-2, -1));
  auto bias = relative_position_bias_table.index_select(0, relative_position_index)
                  .view({tokens, tokens, heads_}).permute({2, 0, 1}).unsqueeze(0);
  attn = attn + bias;
  if (shifted) {
    auto mask = shift_mask(ph, pw, shift_h, shift_w, attn.device()).to(attn.scalar_type());
    attn = (attn.view({B, windows, heads_, tokens, tokens}) + mask.unsqueeze(1).unsqueeze(0))
               .view({B * windows, heads_, tokens, tokens});
  }
  attn = torch::softmax(attn, -1);
  x = proj(attn.matmul(qkv_out[2]).transpose(1, 2).reshape({B * windows, tokens, C}));

  x = x.view({B, ph / w, pw / w, w, w, C}).permute({0, 1, 3, 2, 4, 5}).reshape({B, ph, pw, C});
  if (shifted) x = torch::roll(x, {shift_h, shift_w}, {1, 2});
  if (pad_b || pad_r) x = x.slice(1, 0, H).slice(2, 0, W);
  return x.contiguous();
}

SwinBlockImpl::SwinBlockImpl(int64_t dim, int64_t heads, int64_t window, int64_t shift, double mlp_ratio,
                             double drop_path, SharedRandomSource random)
    : drop_path_(drop_path), random_(std::move(random)) {
  norm1 = register_module("norm1", token_norm(dim));
  attn = register_module("attn", WindowAttention(dim, heads, window, shift));
  norm2 = register_module("norm2", token_norm(dim));
  // torchvision's MLP is Sequential(Linear, GELU, Dropout, Linear, Dropout): mlp.0 and mlp.3.
  auto mlp = add_container(*this, "mlp");
  const auto hidden = static_cast<int64_t>(dim * mlp_ratio);
  fc1 = mlp->register_module("0", torch::nn::Linear(dim, hidden));
  fc2 = mlp->register_module("3", torch::nn::Linear(hidden, dim));
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& x) {
  const bool training = is_training();
  auto h = x + drop_path(attn(norm1(x)), drop_path_, training, *random_);
  return h + drop_path(fc2(F::gelu(fc1(norm2(h)))), drop_path_, training, *random_);
}

void SwinBlockImpl::reset_parameters(at::Generator& gen) { attn->reset_parameters(gen); }

PatchMergingImpl::PatchMergingImpl(int64_t dim) {
  reduction = register_module("reduction", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false)));
  norm = register_module("norm", token_norm(4 * dim));
}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& input) {
  const int64_t H = input.size(1), W = input.size(2);
  auto x = (H % 2 || W % 2) ? F::pad(input, F::PadFuncOptions({0, 0, 0, W % 2, 0, H % 2})) : input;
  using torch::indexing::None;
  using torch::indexing::Slice;
  auto x0 = x.index({Slice(), Slice(0, None, 2), Slice(0, None, 2)});
  auto x1 = x.index({Slice(), Slice(1, None, 2), Slice(0, None, 2)});
  auto x2 = x.index({Slice(), Slice(0, None, 2), Slice(1, None, 2)});
  auto x3 = x.index({Slice(), Slice(1, None, 2), Slice(1, None, 2)});
  return reduction(norm(torch::cat({x0, x1, x2, x3}, -1)));
}

SwinTransformerImpl::SwinTransformerImpl(const SwinOptions& options) : options_(options) {
  const int64_t w = options.base_width;
  if (options.depths.size() < 2 || w < 1 || options.in_channels < 1 || options.head_dim < 1 || w % options.head_dim) {
    throw Error(ErrorCode::Config, "Swin needs at least 2 stages and a width that is a positive multiple of " +
                                       std::to_string(options.head_dim) + " (the head width), got " + std::to_string(w));
  }
  if (options.image_size < options.patch) {
    throw Error(ErrorCode::Config, "Swin's image size must be at least its patch size " + std::to_string(options.patch) +
                                       ", got " + std::to_string(options.image_size));
  }
  const auto rates = drop_path_rates(options.depths, options.drop_path, "Swin");

  auto features = add_container(*this, "features");
  auto embed = add_container(*features, "0");  // Sequential(Conv2d, Permute, LayerNorm)
  patch_conv = embed->register_module(
      "0", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels, w, options.patch).stride(options.patch)));
  patch_norm = embed->register_module("2", token_norm(w));

  int64_t resolution = options.image_size / options.patch, block_id = 0, slot = 1;
  for (size_t s = 0; s < options.depths.size(); ++s) {
    const int64_t dim = w << s;
    const int64_t window = std::min(options.window, resolution);
    const int64_t shift = resolution <= options.window ? 0 : window / 2;
    auto stage = add_container(*features, std::to_string(slot++));
    std::vector<SwinBlock> blocks;
    for (int64_t b = 0; b < options.depths[s]; ++b) {
      blocks.push_back(stage->register_module(
          std::to_string(b), SwinBlock(dim, dim / options.head_dim, window, b % 2 ? shift : 0, options.mlp_ratio,
                                       rates[block_id++], random_source())));
    }
    stages_.push_back(std::move(blocks));
    if (s + 1 < options.depths.size()) {
      merges_.push_back(features->register_module(std::to_string(slot++), PatchMerging(dim)));
      resolution = (resolution + 1) / 2;
    }
  }
  norm = register_module("norm", token_norm(w << (options.depths.size() - 1)));
}

int64_t SwinTransformerImpl::stage_channels(int64_t index) const {
  const int64_t last = num_stages() - 1;
  return options_.base_width << std::min(index + 1, last);
}

std::vector<torch::Tensor> SwinTransformerImpl::forward(const torch::Tensor& x) {
  auto h = patch_norm(patch_conv(x).permute({0, 2, 3, 1}));
  std::vector<torch::Tensor> outs;
  for (size_t s = 0; s < stages_.size(); ++s) {
    for (auto& block : stages_[s]) h = block(h);
    if (s < merges_.size()) h = merges_[s](h);
    h = after_stage(static_cast<int64_t>(s), h);
    outs.push_back(h.permute({0, 3, 1, 2}));  // NCHW view of the NHWC tokens
  }
  return outs;
}

torch::Tensor SwinTransformerImpl::pool(const torch::Tensor& last_stage) {
  return norm(last_stage.permute({0, 2, 3, 1})).mean({1, 2});
}

void SwinTransformerImpl::reset_parameters(at::Generator& gen) {
  init_trunc_normal(*this, 0.02, /*convs_too=*/false, gen);
  init_conv_default(*patch_conv, gen);
  for (auto& stage : stages_) {
    for (auto& block : stage) block->reset_parameters(gen);
  }
}

}  // namespace adx
