import type { IntegrationTemplate } from './integration-template';

/**
 * The body of a Flic "Internet Request" action. Flic sends what the user types, so the template
 * proposes one body per click type, in the style of AlertOps' Flic integration: `flic_state` On
 * (e.g. single click) or Off (e.g. double click), and the button's name and serial number.
 */
function press(state: 'On' | 'Off', button = 'Front desk'): Record<string, unknown> {
  return {
    flic_state: state,
    button_name: button,
    serial_number: button === 'Front desk' ? 'BD12-D34567' : 'BD12-D76543',
    message: state === 'On' ? `${button}: help needed` : `${button}: all clear`,
  };
}

/**
 * Flic buttons. Keyed on the button (its name, else its serial number), so each button is one
 * incident: On raises it, Off clears it, pressing On again adds to it.
 */
export const FLIC_TEMPLATE: IntegrationTemplate = {
  name: 'flic',
  title: 'Flic button',
  description:
    'A Flic button opens an incident with one click and closes it with another. In the Flic app add an ' +
    'Internet Request action (POST, JSON) to the integration URL with the body ' +
    '{"flic_state": "On", "button_name": "<name>", "serial_number": "<serial>", "message": "<text>"} ' +
    'for the click that raises the alarm and "flic_state": "Off" for the click that clears it.',
  docsUrl: 'https://docs.alertops.com/docs/flic',
  mapping: {
    rules: [
      { name: 'button on', field: 'flic_state', equals: 'On', action: 'open' },
      { name: 'button off', field: 'flic_state', equals: 'Off', action: 'close' },
    ],
    dedupKey: 'flic:{{button_name|serial_number}}',
    title: '{{message|button_name|serial_number}}',
    description: null,
    severity: { field: 'severity', default: 'critical' },
    service: '{{service}}',
  },
  sample: press('On'),
  scenario: [
    { description: 'the button is pressed', payload: press('On'), expect: ['opened'] },
    { description: 'pressed again', payload: press('On'), expect: ['appended'] },
    { description: 'another button is pressed', payload: press('On', 'Loading dock'), expect: ['opened'] },
    { description: 'the first button is switched off', payload: press('Off'), expect: ['closed'] },
    { description: 'switched off again: nothing open', payload: press('Off'), expect: ['ignored'] },
  ],
};
