// Reads the options object that lib/native.ts builds into a TrainerConfig, once, on the JS thread
// (sharp's "baton": no V8 on the worker). TS validates in the user's terms first; these checks
// stop anything that slipped through from reaching LibTorch.
#pragma once

#include <napi.h>

#include "data/batch.h"
#include "train/method.h"
#include "train/trainer.h"

namespace adx::node {

TrainerConfig read_trainer_config(const Napi::Object& options);

// { arch, inChannels, numClasses, baseWidth, imageSize, dropPath }; 0 (−1 for dropPath) takes the
// architecture's default.
ModelOptions read_model_options(const Napi::Object& model);

// { cropPadding, flip, mean, std }.
AugmentOptions read_augment_options(const Napi::Object& options);

// Validates images (Uint8Array) against shape [n,h,w,c] and returns a view on them (no labels).
HostBatch read_images(const Napi::Value& images, const Napi::Value& shape);

// read_images plus labels (Int32Array, one per image).
HostBatch read_batch(const Napi::Value& images, const Napi::Value& labels, const Napi::Value& shape);

// Optional { lambda?, permutation?, mode? } (the classic methods) or { generator?, classifier?: { lambdas, permutations },
// skipGenerator? } (AutoMix, AdAutoMix).
ForcedDraws read_forced_draws(const Napi::Value& value);

}  // namespace adx::node
