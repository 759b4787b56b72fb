// Base of the methods that train one classifier (backbone + one linear head): vanilla and the
// classic mixups. State keys read backbone.* and head.fc.*.
#pragma once

#include "models/classifier.h"
#include "train/method.h"

namespace adx {

class SingleClassifierMethod : public TrainMethod {
 public:
  explicit SingleClassifierMethod(const ModelOptions& model) : model_(model) {}

  torch::nn::Module& network() override { return *model_; }
  void reset_parameters(at::Generator& gen) override { model_->reset_parameters(gen); }
  PretrainedReport load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier) override {
    return adx::load_pretrained(*model_->backbone, {model_->head.get()}, tensors, skip_classifier);
  }
  std::vector<torch::Tensor> classifier_parameters() override { return model_->parameters(); }
  std::vector<std::string> head_names() const override { return {"head"}; }
  std::vector<torch::Tensor> head_logits(const torch::Tensor& x) override { return {model_->forward(x)}; }

 protected:
  Classifier model_;
};

}  // namespace adx
