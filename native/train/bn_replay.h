// Exact-math fast path for the EMA network's BatchNorm running statistics (DECISIONS.md,
// exact speed-up 1). The naive AdAutoMix step runs f_k on the clean batch x, then on the mixed
// batch x_mb, then on the k permuted copies x[π_i] of the cosine term. Train-mode BN statistics
// are the same for x and x[π_i], so the fast path runs f_k(x) once and must still leave the
// running statistics as the naive sequence would: clean update, x_mb update, then k more updates
// with the clean statistics. A single pass with a compensated momentum cannot do that (the x_mb
// update sits in the middle), so this records the clean pass's batch statistics and replays them.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>

#include <vector>

namespace adx {

class BatchNormReplay {
 public:
  explicit BatchNormReplay(torch::nn::Module& module);

  // Before the clean pass: saves the running statistics and sets momentum 1, so the pass leaves
  // exactly its batch statistics (mean, unbiased variance) in the running buffers.
  void begin_capture();
  // After it: keeps those statistics and restores the normal single update (1−m)·old + m·batch.
  void end_capture();
  // Applies `times` further updates with the captured statistics, as `times` more forward passes
  // on a permutation of the clean batch would.
  void replay(int64_t times);

 private:
  struct Layer {
    torch::nn::BatchNorm2dImpl* bn;
    double momentum;
    torch::Tensor saved_mean, saved_var, batch_mean, batch_var;
  };
  std::vector<Layer> layers_;
};

}  // namespace adx
