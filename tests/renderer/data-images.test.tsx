// @vitest-environment happy-dom
/** Issue 16: the Data section's "Images per example" field, shown only for a model with a vision tower. */
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readHfConfig } from '../../shared/catalog/hf-config';
import { PlanSchema, type Plan } from '../../shared/domain/plan';
import { DataSection } from '../../renderer/features/editor/TrainingSections';

afterEach(cleanup);

const llava = readHfConfig(
  JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/configs/vision/llava-1.5-7b-hf-config.json'), 'utf8'),
  ) as unknown,
).spec;
const qwen2vl = readHfConfig({
  model_type: 'qwen2_vl',
  hidden_size: 1536,
  intermediate_size: 8960,
  num_hidden_layers: 28,
  num_attention_heads: 12,
  num_key_value_heads: 2,
  vocab_size: 151936,
  max_position_embeddings: 32768,
}).spec;

const draftFor = (model: Plan['model']) => PlanSchema.parse({ name: 'p', model });

describe('DataSection: images per example', () => {
  it('is absent for a text-only model', () => {
    render(
      <DataSection
        draft={draftFor({ source: 'catalog', id: 'Llama-3.2-3B' })}
        errors={{}}
        onChange={() => undefined}
      />,
    );
    expect(screen.queryByLabelText(/Images per example/)).toBeNull();
  });

  it('shows the field and the tokens per image for llava (576), without an image size', () => {
    const onChange = vi.fn();
    render(<DataSection draft={draftFor({ source: 'custom', spec: llava })} errors={{}} onChange={onChange} />);
    const field = screen.getByLabelText(/Images per example/);
    expect(screen.getByText(/576 image tokens per image/)).toBeTruthy();
    expect(screen.queryByLabelText(/Image width/)).toBeNull();
    fireEvent.change(field, { target: { value: '2' } });
    expect((onChange.mock.calls.at(-1)?.[0] as Plan).data.imagesPerExample).toBe(2);
  });

  it('asks for the image size where the tokens follow it (Qwen2-VL)', () => {
    const draft = draftFor({ source: 'custom', spec: qwen2vl });
    draft.data = { ...draft.data, imagesPerExample: 1, imageWidth: 640, imageHeight: 480 };
    render(<DataSection draft={draft} errors={{}} onChange={() => undefined} />);
    expect(screen.getByLabelText(/Image width/)).toBeTruthy();
    expect(screen.getByText(/391 image tokens per image/)).toBeTruthy();
  });
});
