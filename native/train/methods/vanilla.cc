// Plain supervised training: CE(f(x), y).
#include <torch/torch.h>

#include "train/methods/registry.h"

namespace adx {

namespace {

class Vanilla : public TrainMethod {
 public:
  MethodOutput loss(Classifier& model, const torch::Tensor& x, const torch::Tensor& y, at::Generator&,
                    const ForcedDraws&) override {
    return {torch::nn::functional::cross_entropy(model->forward(x), y)};
  }
};

}  // namespace

std::unique_ptr<TrainMethod> make_vanilla(const MethodOptions&) { return std::make_unique<Vanilla>(); }

}  // namespace adx
