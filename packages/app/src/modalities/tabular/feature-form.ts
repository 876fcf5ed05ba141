// One tabular row typed in: a number field per feature (the project's featureNames, in order).
import { h } from '../../dom.ts';

export class FeatureForm {
  readonly element: HTMLElement;
  private readonly inputs: HTMLInputElement[];

  constructor(
    readonly featureNames: readonly string[],
    testidPrefix: string,
  ) {
    this.inputs = featureNames.map((name, i) =>
      h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', name, testid: `${testidPrefix}-${i}`, 'data-feature': name, placeholder: '0' }),
    );
    this.element = h('div', { class: 'feature-form' }, ...featureNames.map((name, i) => h('label', {}, name, this.inputs[i])));
  }

  /** The row as numbers; throws naming the first field that is not a number. Empty fields count as missing. */
  read(): number[] {
    return this.inputs.map((input, i) => {
      const text = input.value.trim();
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) throw new Error(`“${this.featureNames[i]}” needs a number${text === '' ? '' : `, not “${text}”`}.`);
      return value;
    });
  }

  onInput(listener: () => void): void {
    for (const input of this.inputs) input.addEventListener('input', listener);
  }
}
