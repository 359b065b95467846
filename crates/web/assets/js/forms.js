// Form fields with real labels, hints and an error slot each, and the display of the
// API's problem details next to the fields they name. The client checks nothing itself:
// `required` and `maxlength` only help the person typing; the API's French messages
// are what is shown.

import { h, announce } from './dom.js';
import { ApiError, describe } from './api.js';

let counter = 0;

/** A unique element id. */
export function uid(name) {
  counter += 1;
  return `${String(name).replace(/[^a-zA-Z0-9_-]+/g, '-')}-${counter}`;
}

function describedBy(...ids) {
  return ids.filter(Boolean).join(' ') || null;
}

/** The hint paragraph of a field, when it has one. */
function hintOf(id, hint) {
  if (!hint) return null;
  return h('p', { class: 'hint', id: `${id}-aide` }, hint);
}

function errorSlot(id) {
  return h('p', { class: 'field-error', id: `${id}-erreur`, hidden: true });
}

/** The label, marked "(facultatif)" on optional fields of forms (filters pass `plain`). */
function labelText(label, required, plain = false) {
  return required || plain ? label : [label, ' ', h('span', { class: 'optional' }, '(facultatif)')];
}

/**
 * A text input, text area, number or date: `{ name, label, path, type, required, hint,
 * value, multiline, maxlength, autocomplete, inputmode, min, max, plain }` (`plain`:
 * no "(facultatif)" mark, for filters). Returns the wrapper; the control is
 * `wrapper.control`.
 */
export function input(options) {
  const { name, label, path, type = 'text', required = false, hint, value, multiline = false } = options;
  const id = uid(name);
  const attrs = {
    id,
    name,
    required,
    maxlength: options.maxlength,
    autocomplete: options.autocomplete,
    inputmode: options.inputmode,
    min: options.min,
    max: options.max,
    spellcheck: options.spellcheck,
    'aria-describedby': describedBy(hint && `${id}-aide`, `${id}-erreur`),
  };
  const control = multiline
    ? h('textarea', { ...attrs, rows: options.rows ?? 6 })
    : h('input', { ...attrs, type });
  if (value !== undefined && value !== null) control.value = String(value);
  const wrapper = h(
    'div',
    { class: 'field', 'data-path': path ?? `/${name}`, 'data-label': label },
    h('label', { for: id }, labelText(label, required, options.plain)),
    hintOf(id, hint),
    errorSlot(id),
    control,
  );
  wrapper.control = control;
  return wrapper;
}

/**
 * A drop-down list: `{ name, label, path, required, hint, options: [{ value, label }],
 * groups: [{ label, options }], placeholder, value }`.
 */
export function select(options) {
  const { name, label, path, required = false, hint, placeholder = 'Choisir…', value } = options;
  const id = uid(name);
  const control = h('select', {
    id,
    name,
    required,
    'aria-describedby': describedBy(hint && `${id}-aide`, `${id}-erreur`),
  });
  if (placeholder !== null) control.append(h('option', { value: '' }, placeholder));
  const optionOf = (item) => h('option', { value: item.value }, item.label);
  for (const item of options.options ?? []) control.append(optionOf(item));
  for (const group of options.groups ?? []) {
    control.append(h('optgroup', { label: group.label }, group.options.map(optionOf)));
  }
  if (value !== undefined && value !== null) control.value = String(value);
  const wrapper = h(
    'div',
    { class: 'field', 'data-path': path ?? `/${name}`, 'data-label': label },
    h('label', { for: id }, labelText(label, required, options.plain)),
    hintOf(id, hint),
    errorSlot(id),
    control,
  );
  wrapper.control = control;
  return wrapper;
}

/**
 * A group of check boxes (`type: 'checkbox'`, several answers) or radio buttons
 * (`type: 'radio'`, one answer) in a fieldset whose legend names the question:
 * `{ name, legend, path, type, required, hint, options: [{ value, label }], checked }`.
 * `wrapper.values()` gives the checked values, in the order of the options.
 */
export function choices(options) {
  const { name, legend, path, type = 'checkbox', required = false, hint, checked = [] } = options;
  const id = uid(name);
  const wanted = new Set([checked].flat().map(String));
  const boxes = [];
  const list = h('div', { class: 'choices' });
  for (const item of options.options ?? []) {
    const boxId = uid(`${name}-${item.value}`);
    const box = h('input', { type, id: boxId, name, value: item.value });
    box.checked = wanted.has(String(item.value));
    boxes.push(box);
    list.append(h('div', { class: 'choice' }, box, h('label', { for: boxId }, item.label)));
  }
  const wrapper = h(
    'fieldset',
    {
      class: 'field',
      id,
      'data-path': path ?? `/${name}`,
      'data-label': legend,
      'aria-describedby': describedBy(hint && `${id}-aide`, `${id}-erreur`),
      'aria-required': required ? 'true' : null,
    },
    h('legend', null, labelText(legend, required, options.plain)),
    hintOf(id, hint),
    errorSlot(id),
    list,
  );
  wrapper.control = boxes[0] ?? wrapper;
  wrapper.boxes = boxes;
  wrapper.values = () => boxes.filter((box) => box.checked).map((box) => box.value);
  return wrapper;
}

/** A form with its error summary on top; `novalidate` so that the API's messages are shown. */
export function form(attrs, ...children) {
  const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true });
  return h('form', { novalidate: true, ...attrs }, summary, ...children);
}

/**
 * The error summary of a form. Looked up rather than kept as a property: a form's
 * properties include its fields by name, and a field may well be called "summary".
 */
function summaryOf(formElement) {
  return formElement.querySelector(':scope > .error-summary');
}

/** A submit button. */
export function submit(label, attrs = {}) {
  return h('button', { type: 'submit', ...attrs }, label);
}

/** Hides every error of `formElement`. */
export function clearErrors(formElement) {
  for (const slot of formElement.querySelectorAll('.field-error')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const wrapper of formElement.querySelectorAll('.has-error')) wrapper.classList.remove('has-error');
  for (const invalid of formElement.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
  const summary = summaryOf(formElement);
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
    summary.removeAttribute('role');
  }
}

/**
 * The JSON pointer an error is about. A missing field is reported on its parent
 * object (`""` or `/contact`) with the field's name in back-quotes: that name is added.
 */
function pointerOf(fieldError) {
  if (fieldError.code === 'field.missing') {
    const name = /`([^`]+)`/.exec(fieldError.message ?? '');
    if (name) return `${fieldError.path ?? ''}/${name[1]}`;
  }
  return fieldError.path ?? '';
}

/** The wrapper whose `data-path` is the longest prefix of `pointer`. */
function wrapperFor(formElement, pointer) {
  let best = null;
  for (const wrapper of formElement.querySelectorAll('[data-path]')) {
    const path = wrapper.dataset.path;
    const fits = pointer === path || pointer.startsWith(`${path}/`);
    if (fits && (!best || path.length > best.dataset.path.length)) best = wrapper;
  }
  return best;
}

/** Shows one message next to a field (for errors found outside a submission). */
export function showFieldError(wrapper, message) {
  const slot = wrapper.querySelector('.field-error');
  if (slot.textContent) slot.append(' ');
  slot.append(message);
  slot.hidden = false;
  wrapper.classList.add('has-error');
  const target = wrapper.tagName === 'FIELDSET' ? wrapper : wrapper.control ?? wrapper;
  target.setAttribute('aria-invalid', 'true');
}

/** Hides the message of one field. */
export function clearFieldError(wrapper) {
  const slot = wrapper.querySelector('.field-error');
  slot.textContent = '';
  slot.hidden = true;
  wrapper.classList.remove('has-error');
  for (const invalid of wrapper.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
  wrapper.removeAttribute('aria-invalid');
}

/**
 * Shows an API error on a form: each field error next to its field, and a summary on
 * top that links to them (or says what went wrong when no field is concerned); the
 * summary takes the focus so that keyboard and screen-reader users land on it.
 */
export function showErrors(formElement, error) {
  clearErrors(formElement);
  const items = [];
  const fieldErrors = error instanceof ApiError ? error.errors : [];
  for (const fieldError of fieldErrors) {
    const wrapper = wrapperFor(formElement, pointerOf(fieldError));
    if (wrapper) {
      // A missing field is named by its JSON key in the API's message; next to the
      // field itself, plain words say the same.
      const message = fieldError.code === 'field.missing' ? 'Ce champ est obligatoire.' : fieldError.message;
      showFieldError(wrapper, message);
      const target = wrapper.control ?? wrapper;
      items.push(
        h(
          'li',
          null,
          h(
            'a',
            {
              href: `#${target.id}`,
              onclick: (event) => {
                event.preventDefault();
                target.focus();
              },
            },
            `${wrapper.dataset.label} : ${message}`,
          ),
        ),
      );
    } else {
      items.push(h('li', null, fieldError.message));
    }
  }
  const summary = summaryOf(formElement);
  const title = fieldErrors.length
    ? `Le formulaire contient ${fieldErrors.length > 1 ? `${fieldErrors.length} erreurs` : 'une erreur'}`
    : "L'envoi n'a pas abouti";
  summary.append(h('h2', null, title));
  if (items.length) {
    summary.append(h('ul', null, items));
  } else {
    summary.append(h('p', null, describe(error)));
  }
  summary.setAttribute('role', 'alert');
  summary.hidden = false;
  summary.focus();
  announce(title);
}

/**
 * Runs `action` when the form is submitted: the button is disabled meanwhile (no
 * double submission), errors are cleared first and shown after a failure.
 */
export function onSubmit(formElement, action) {
  formElement.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = formElement.querySelectorAll('button[type="submit"]');
    if (formElement.getAttribute('aria-busy') === 'true') return;
    formElement.setAttribute('aria-busy', 'true');
    for (const button of buttons) button.disabled = true;
    clearErrors(formElement);
    try {
      await action(event.submitter ?? null);
    } catch (error) {
      showErrors(formElement, error);
      if (!(error instanceof ApiError)) console.error(error);
    } finally {
      formElement.removeAttribute('aria-busy');
      for (const button of buttons) button.disabled = false;
    }
  });
}

/** The trimmed value of a control, or undefined when blank (left out of the body). */
export function valueOf(wrapper) {
  const value = wrapper.control.value.trim();
  return value === '' ? undefined : value;
}

/** The raw value of a text control (blank kept, so that the API names the empty field). */
export function textOf(wrapper) {
  return wrapper.control.value;
}

/** A number, or undefined when blank; a non-number is sent as typed for the API to refuse. */
export function numberOf(wrapper) {
  const text = wrapper.control.value.trim();
  if (text === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}
