// Factories of the training methods, one per file in train/methods/.
#pragma once

#include <memory>

#include "train/method.h"

namespace adx {

std::unique_ptr<TrainMethod> make_vanilla(const MethodOptions&, const ModelOptions&, const LrSchedule&);
// Every classic mixup method, alone or as a list of modes picked per iteration.
std::unique_ptr<TrainMethod> make_classic(const MethodOptions&, const ModelOptions&, const LrSchedule&);
std::unique_ptr<TrainMethod> make_automix(const MethodOptions&, const ModelOptions&, const LrSchedule&);
std::unique_ptr<TrainMethod> make_adautomix(const MethodOptions&, const ModelOptions&, const LrSchedule&);

}  // namespace adx
