// @vitest-environment happy-dom
/**
 * Issue 16: "Fetch config.json from the Hub" in the Model section. The renderer asks the backend
 * (`models:fetchHubConfig`, mocked here; the real one is tested against a stand-in Hub in
 * tests/unit/services/hub-config.test.ts), reads the text with the same reader as an opened file, and names the
 * model after its repo id. Offline, the button is disabled and says why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import type { HubConfigRequest } from '../../shared/catalog/hub-repo-id';
import { AppFailure } from '../../shared/result';
import { createTestApi } from '../helpers/test-api';

const configText = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/configs', name), 'utf8');

afterEach(() => {
  cleanup();
  setOnline(true);
});
beforeEach(() => localStorage.clear());

function setOnline(value: boolean) {
  Object.defineProperty(window.navigator, 'onLine', { configurable: true, get: () => value });
  window.dispatchEvent(new Event(value ? 'online' : 'offline'));
}

const source = (repoId: string) => ({
  repoId,
  revision: 'main',
  url: `https://huggingface.co/${repoId}/resolve/main/config.json`,
  fetchedAt: '2026-03-01T12:00:00.000Z',
});

function setup(answer: (req: HubConfigRequest) => unknown) {
  const calls: HubConfigRequest[] = [];
  const fetchHub = vi.fn((req: HubConfigRequest) => {
    calls.push(req);
    return answer(req);
  });
  const api = createTestApi({ handlers: { 'models:fetchHubConfig': fetchHub as never } });
  render(<App api={api} />);
  const input = screen.getByLabelText<HTMLInputElement>('Fetch config.json from the Hub');
  const button = () => screen.getByRole<HTMLButtonElement>('button', { name: /^Fetch/ });
  return { api, calls, input, button };
}

describe('Fetch config.json from the Hub', () => {
  it('fetches by id (or pasted page address), reads it like a file and names the model after the repo', async () => {
    const { api, calls, input, button } = setup((req) => ({
      name: req.repoId,
      text: configText('deepseek-v3-config.json'),
      source: source(req.repoId),
    }));
    expect(button().disabled).toBe(true); // nothing typed
    fireEvent.change(input, {
      target: { value: 'https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json' },
    });
    expect(button().disabled).toBe(false);
    fireEvent.click(button());
    // The file has no _name_or_path: without the repo id it would be called "DeepseekV3ForCausalLM 671B".
    expect(await screen.findByText(/^deepseek-ai\/DeepSeek-V3: [\d,]+ parameters \([\d,]+ active\)/)).toBeTruthy();
    expect(calls).toEqual([{ repoId: 'deepseek-ai/DeepSeek-V3' }]);
    await waitFor(async () => {
      const list = await api.invoke('models:list', {});
      expect(list.ok && list.data.map((m) => [m.name, m.spec.hfId, m.spec.moe?.numExperts])).toEqual([
        ['deepseek-ai/DeepSeek-V3', 'deepseek-ai/DeepSeek-V3', 256],
      ]);
    });
    expect(screen.getByRole('status').textContent).toMatch(/Saved “deepseek-ai\/DeepSeek-V3” to your models/);
  });

  it('an id the Hub would refuse is explained and never sent', () => {
    const { calls, input, button } = setup(() => {
      throw new Error('not called');
    });
    fireEvent.change(input, { target: { value: 'datasets/foo/bar' } });
    expect(button().disabled).toBe(true);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/has more than one "\/": a model id is "namespace\/name"/)).toBeTruthy();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(calls).toEqual([]);
  });

  it("shows the backend's message when the fetch fails (a gated model)", async () => {
    const message =
      'meta-llama/Llama-3.1-8B is a gated model: accept its licence on ' +
      'https://huggingface.co/meta-llama/Llama-3.1-8B ' +
      '(signed in), then download config.json from … and open it';
    const { input, button } = setup(() => {
      throw new AppFailure('FORBIDDEN', message);
    });
    fireEvent.change(input, { target: { value: 'meta-llama/Llama-3.1-8B' } });
    fireEvent.click(button());
    expect((await screen.findByText(/is a gated model/)).textContent).toBe(message);
    expect(screen.getByText(/is a gated model/).getAttribute('role')).toBe('alert');
    expect(button().disabled).toBe(false); // can try again
  });

  it('after a failed fetch: focus is back on Fetch, the address is a link, the row is the full width', async () => {
    const url = 'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json';
    const { input, button } = setup(() => {
      throw new AppFailure(
        'NETWORK',
        `Could not reach huggingface.co (ENOTFOUND): download config.json from ${url} and open it.`,
      );
    });
    fireEvent.change(input, { target: { value: 'meta-llama/Llama-3.1-8B-Instruct' } });
    button().focus();
    fireEvent.click(button());
    const alert = await screen.findByText(/Could not reach huggingface\.co/);
    await waitFor(() => expect(document.activeElement).toBe(button()));
    const link = screen.getByRole<HTMLAnchorElement>('link', { name: url });
    expect(link.href).toBe(url);
    expect(link.target).toBe('_blank'); // opened outside the app, as the Explain tab's links are
    expect(alert.textContent).toBe(
      `Could not reach huggingface.co (ENOTFOUND): download config.json from ${url} and open it.`,
    );
    // The Hub row and the file import take a whole row of the section's grid (.grid > .wide).
    expect(input.closest('.field')!.classList.contains('wide')).toBe(true);
    expect(screen.getByLabelText('Import config.json…').closest('.field')!.classList.contains('wide')).toBe(true);
  });

  it('a config.json Tuneplan cannot read is refused by the same reader as an opened file', async () => {
    const { input, button } = setup((req) => ({ name: req.repoId, text: '{ not json', source: source(req.repoId) }));
    fireEvent.change(input, { target: { value: 'org/broken' } });
    fireEvent.click(button());
    expect(await screen.findByText(/is not valid JSON .*a config\.json is one JSON object/)).toBeTruthy();
  });

  it('offline: the button is disabled and says how to do it by hand; back online, it works again', async () => {
    const { calls, input, button } = setup((req) => ({
      name: req.repoId,
      text: configText('qwen2.5-7b-instruct-config.json'),
      source: source(req.repoId),
    }));
    fireEvent.change(input, { target: { value: 'Qwen/Qwen2.5-7B-Instruct' } });
    act(() => setOnline(false));
    expect(button().disabled).toBe(true);
    expect(screen.getByText(/You’re offline, so nothing can be fetched: download config\.json/)).toBeTruthy();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(calls).toEqual([]);
    act(() => setOnline(true));
    expect(button().disabled).toBe(false);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(await screen.findByText(/^Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/)).toBeTruthy();
    expect(calls).toEqual([{ repoId: 'Qwen/Qwen2.5-7B-Instruct' }]);
  });
});
