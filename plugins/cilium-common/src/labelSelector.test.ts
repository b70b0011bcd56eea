import {
  formatLabelSelector,
  LabelSelectorSyntaxError,
  matchesLabelSelector,
  parseLabelSelector,
} from './labelSelector';

describe('parseLabelSelector', () => {
  const labels = {
    app: 'checkout',
    tier: 'api',
    'backstage.io/kubernetes-id': 'checkout',
  };

  it.each([
    ['app=checkout', true],
    ['app==checkout', true],
    ['app=cart', false],
    ['app!=cart', true],
    ['app!=checkout', false],
    ['tier in (web, api)', true],
    ['tier in (web)', false],
    ['tier notin (web,batch)', true],
    ['tier notin (api)', false],
    ['app', true],
    ['!canary', true],
    ['!app', false],
    ['app=checkout,tier in (api,web),!canary', true],
    ['app=checkout,tier=web', false],
    ['backstage.io/kubernetes-id=checkout', true],
    ['missing!=x', true],
  ])('%s matches %s', (selector, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(
      expected,
    );
  });

  it.each([
    ['', /it is empty/],
    ['app=checkout,', /empty term/],
    ['app=check out', /not a valid label/],
    ['-app=x', /not a valid label key/],
    [`app=${'x'.repeat(64)}`, /not a valid label value/],
  ])('refuses %j with a message saying what is wrong', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(
      LabelSelectorSyntaxError,
    );
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });

  it('prints requirements back in the string form', () => {
    const text =
      'app=checkout,tier in (api,web),env!=dev,zone notin (a,b),team,!canary';
    expect(formatLabelSelector(parseLabelSelector(text))).toBe(text);
  });
});
