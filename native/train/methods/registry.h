// Factories of the training methods, one per file in train/methods/.
#pragma once

#include <memory>

#include "train/method.h"

namespace adx {

std::unique_ptr<TrainMethod> make_vanilla(const MethodOptions& options);
std::unique_ptr<TrainMethod> make_mixup(const MethodOptions& options);

}  // namespace adx
