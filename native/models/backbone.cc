#include "models/backbone.h"

#include <torch/nn/functional/pooling.h>

namespace adx {

torch::Tensor BackboneImpl::pool(const torch::Tensor& last_stage) {
  return torch::nn::functional::adaptive_avg_pool2d(last_stage,
                                                    torch::nn::functional::AdaptiveAvgPool2dFuncOptions(1))
      .flatten(1);
}

}  // namespace adx
