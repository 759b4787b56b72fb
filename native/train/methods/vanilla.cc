// Plain supervised training: CE(f(x), y).
#include <torch/torch.h>

#include "train/methods/registry.h"
#include "train/methods/single_classifier.h"

namespace adx {

namespace {

class Vanilla : public SingleClassifierMethod {
 public:
  using SingleClassifierMethod::SingleClassifierMethod;

  MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator&, const ForcedDraws&,
                    int64_t) override {
    MethodOutput out;
    out.loss = torch::nn::functional::cross_entropy(model_->forward(x), y);
    return out;
  }
};

}  // namespace

std::unique_ptr<TrainMethod> make_vanilla(const MethodOptions&, const ModelOptions& model, const LrSchedule&) {
  return std::make_unique<Vanilla>(model);
}

}  // namespace adx
