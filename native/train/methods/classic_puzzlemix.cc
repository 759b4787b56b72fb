// PuzzleMix (ALGORITHMS.md §3): the saliency of every image from an extra forward and backward
// pass of the current model in eval mode, a labelled block grid (mix/classic/grid_labelling.h)
// and a block transport (mix/classic/puzzle.h); per-sample label weights, the original's share.
#include <torch/torch.h>

#include "core/errors.h"
#include "core/precision.h"
#include "mix/classic/puzzle.h"
#include "mix/sampling.h"
#include "train/eval_mode_scope.h"
#include "train/methods/classic_mixer.h"

namespace adx {

namespace {

// √(mean over channels of (∂CE/∂x)²), [B,H,W]: only the input gets a gradient, the parameters'
// gradients of the training step are left alone.
torch::Tensor input_saliency(ClassifierImpl& model, const torch::Tensor& x, const torch::Tensor* labels) {
  EvalModeScope eval(model);
  torch::AutoGradMode enable_grad(true);
  auto input = x.detach().requires_grad_(true);
  const auto logits = model.forward(input);
  // A preview has no labels: the predicted classes stand in.
  const auto classes = labels != nullptr ? *labels : logits.detach().argmax(1);
  const auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), classes);
  Fp32Island backward_without_autocast;
  const auto grad = torch::autograd::grad({loss}, {input})[0];
  return grad.square().mean(1).sqrt();
}

torch::Tensor pixel_values(const torch::Tensor& x, const std::vector<double>& mean, const std::vector<double>& std) {
  if (mean.size() != static_cast<size_t>(x.size(1)) || std.size() != mean.size()) return x;
  const auto opts = x.options();
  return x * torch::tensor(std, opts.dtype(torch::kFloat64)).to(x.scalar_type()).view({1, -1, 1, 1}) +
         torch::tensor(mean, opts.dtype(torch::kFloat64)).to(x.scalar_type()).view({1, -1, 1, 1});
}

class PuzzleMix : public ClassicMixer {
 public:
  explicit PuzzleMix(const ClassicModeOptions& o) : o_(o) {
    options_.beta = o.puzzle_beta;
    options_.gamma = o.puzzle_gamma;
    options_.eta = o.puzzle_eta;
    options_.neighbour_size = o.puzzle_neighbour_size;
    options_.transport = o.puzzle_transport;
    options_.transport_eps = o.puzzle_transport_eps;
    options_.transport_size = o.puzzle_transport_size;
  }

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const auto& x = in.x;
    const auto grids = puzzle_grid_sizes(x.size(2), x.size(3), o_.puzzle_block_num - 1);
    if (grids.empty()) {
      throw Error(ErrorCode::Shape, "puzzlemix needs image sides divisible by 2 (got " + std::to_string(x.size(2)) + "x" +
                                        std::to_string(x.size(3)) + ")");
    }
    const double prior = classic_lambda(in, o_.alpha);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    const int64_t grid = grids[sample_int(0, static_cast<int64_t>(grids.size()) - 1, in.gen)];
    const auto saliency = input_saliency(in.model, x, in.y);
    const auto r = puzzle_mix(x, pixel_values(x, o_.pixel_mean, o_.pixel_std), saliency, perm, grid, prior, options_);
    auto mixed = r.mask * r.original + (1.0 - r.mask) * r.partner;
    return own_share_output(std::move(perm), std::move(mixed), r.mask);
  }

 private:
  ClassicModeOptions o_;
  PuzzleOptions options_;
};

}  // namespace

std::unique_ptr<ClassicMixer> make_puzzlemix_mixer(const ClassicModeOptions& o) {
  if (o.puzzle_block_num < 2 || o.puzzle_block_num > 12) throw Error(ErrorCode::Config, "puzzlemix blockNum must be in [2, 12]");
  if (!(o.puzzle_beta >= 0 && o.puzzle_gamma >= 0 && o.puzzle_eta >= 0 && o.puzzle_transport_eps >= 0)) {
    throw Error(ErrorCode::Config, "puzzlemix beta, gamma, eta and transportEps must be >= 0");
  }
  if (o.puzzle_neighbour_size < 1) throw Error(ErrorCode::Config, "puzzlemix neighbourSize must be >= 1");
  return std::make_unique<PuzzleMix>(o);
}

}  // namespace adx
