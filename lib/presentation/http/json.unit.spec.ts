import { jsonResponse, money, renderJson } from './json';

describe('renderJson', () => {
  it('given Money values when rendered then each is a JSON number with exactly 2 decimals', () => {
    const text = renderJson({ balance: money(10000), nested: [{ amount: money(5) }, { amount: money(123456789) }] });
    expect(text).toBe('{"balance":100.00,"nested":[{"amount":0.05},{"amount":1234567.89}]}');
    expect(JSON.parse(text)).toEqual({ balance: 100, nested: [{ amount: 0.05 }, { amount: 1234567.89 }] });
  });

  it('given negative and zero amounts when rendered then the sign and zeros are kept', () => {
    expect(renderJson([money(-1200), money(0)])).toBe('[-12.00,0.00]');
  });

  it('given client strings that look like placeholders when rendered then they stay strings', () => {
    const body = { name: 'money:0000000000000000:0', amount: money(100) };
    expect(JSON.parse(renderJson(body))).toEqual({ name: 'money:0000000000000000:0', amount: 1 });
  });

  it('given no Money when rendered then it equals JSON.stringify', () => {
    const body = { a: 1.5, b: 'x', c: [null, true] };
    expect(renderJson(body)).toBe(JSON.stringify(body));
  });

  it('given a body when jsonResponse then the content type is application/json and headers are kept', () => {
    const response = jsonResponse(201, { ok: true }, { Location: '/x' });
    expect(response).toEqual({
      statusCode: 201,
      headers: { Location: '/x', 'Content-Type': 'application/json' },
      body: '{"ok":true}',
    });
  });
});
