/**
 * Accuracy per class and the confusion matrix of one head: which classes a model gets wrong, and
 * what it takes them for. `adautomix eval` reports them for the head it attacks.
 */
import { confidences } from './calibration.js';

export interface ClassAccuracy {
  label: number;
  /** The class's name when the data has names, else null. */
  name: string | null;
  /** Test images of the class. */
  count: number;
  /** Percent of them the head classifies as the class; null when the class has no test images. */
  top1: number | null;
}

export interface PerClassReport {
  head: string;
  classes: ClassAccuracy[];
  /** confusion[actual][predicted]: how many test images of class `actual` the head took for `predicted`. */
  confusion: number[][];
}

/** A class as people read it: its name, or its label where the data has no names. */
export const className = (c: { label: number; name: string | null }): string => c.name ?? String(c.label);

/** Counts a head's top-1 predictions against the labels, batch by batch. */
export class ConfusionTally {
  private readonly confusion: number[][];

  constructor(private readonly classes: number) {
    this.confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  add(logits: Float32Array, labels: Int32Array): void {
    const { predicted } = confidences(logits, this.classes, labels);
    labels.forEach((label, i) => (this.confusion[label]![predicted[i]!]! += 1));
  }

  report(head: string, names: readonly string[] | null): PerClassReport {
    const classes = this.confusion.map((row, label) => {
      const count = row.reduce((a, v) => a + v, 0);
      return { label, name: names?.[label] ?? null, count, top1: count > 0 ? (100 * row[label]!) / count : null };
    });
    return { head, classes, confusion: this.confusion.map((row) => [...row]) };
  }
}
