// Puts a module in eval mode for its lifetime and restores training mode afterwards, also when
// the code in between throws: for the passes that run the current model outside a training step
// (SnapMix's and PuzzleMix's saliency, the trainer's forward and input gradient).
#pragma once

#include <torch/torch.h>

namespace adx {

class EvalModeScope {
 public:
  explicit EvalModeScope(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) { module_.eval(); }
  ~EvalModeScope() {
    if (was_training_) module_.train();
  }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace adx
