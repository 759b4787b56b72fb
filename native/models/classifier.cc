#include "models/classifier.h"

#include "core/errors.h"
#include "models/init.h"

namespace adx {

LinearHeadImpl::LinearHeadImpl(int64_t in_features, int64_t num_classes) {
  fc = register_module("fc", torch::nn::Linear(in_features, num_classes));
}

torch::Tensor LinearHeadImpl::forward(const torch::Tensor& pooled) { return fc(pooled); }

void LinearHeadImpl::reset_parameters(HeadInit init, at::Generator& gen) {
  if (init == HeadInit::TruncNormal002) {
    init_trunc_normal(*this, 0.02, /*convs_too=*/false, gen);
  } else {
    init_linear_normal(*this, 0.01, gen);
  }
}

ClassifierImpl::ClassifierImpl(const ModelOptions& options) {
  if (options.num_classes < 2) throw Error(ErrorCode::Config, "a classifier needs at least 2 classes");
  backbone = register_module("backbone", make_backbone(options));
  head = register_module("head", LinearHead(backbone->out_channels(), options.num_classes));
}

void ClassifierImpl::reset_parameters(at::Generator& gen) {
  backbone->reset_parameters(gen);
  head->reset_parameters(backbone->head_init(), gen);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) { return head(backbone->features(x)); }

}  // namespace adx
