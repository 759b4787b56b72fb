// augmentBatch(): the training/test batch preparation on its own, for inspection and tests.
#pragma once

#include <napi.h>

namespace adx::node {

// augmentBatch(images: Uint8Array, shape: [n,h,w,c], options: {cropPadding, flip, mean, std},
//              seed: number, train: boolean) → Float32Array (NCHW, normalised).
// Runs synchronously on the calling thread: meant for small batches.
Napi::Value augment_batch(const Napi::CallbackInfo& info);

// resizedCropBoxes(h, w, count, augmentOptions, seed) → [top, left, height, width][]: the boxes
// a training batch of `count` h×w images draws first with that seed (for tests and inspection).
Napi::Value resized_crop_boxes(const Napi::CallbackInfo& info);

// randAugmentOp(images: Uint8Array, shape: [n,h,w,c], op: string, magnitude: number, fill: number[])
// → Float32Array (NCHW pixel values 0..255): one RandAugment operation at a given signed
// magnitude on every image (for tests and inspection).
Napi::Value rand_augment_op(const Napi::CallbackInfo& info);

}  // namespace adx::node
