// The CSV export's cells on their own: RFC 4180 quoting, and no cell that a spreadsheet would run as a formula.
import { csvCell, csvRow } from '../activity-export';

describe('a CSV cell', () => {
  it('is the text as it is when it needs no quoting', () => {
    expect(csvCell('APPROVED')).toBe('APPROVED');
    expect(csvCell(3)).toBe('3');
    expect(csvCell('2026-12-02T09:30:00.000Z')).toBe('2026-12-02T09:30:00.000Z');
  });

  it('is empty for null', () => {
    expect(csvCell(null)).toBe('');
  });

  it('is quoted, its quotes doubled, when it holds a comma, a quote or a line break', () => {
    expect(csvCell('Smith, Ada')).toBe('"Smith, Ada"');
    expect(csvCell('{"notes":"ok"}')).toBe('"{""notes"":""ok""}"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x","y")'])('never starts as a formula: %j', (text) => {
    const cell = csvCell(text);
    expect(cell.replace(/^"/, '')).toMatch(/^'/);
    expect(cell).toContain(text.replaceAll('"', '""'));
  });

  it('leaves a formula character alone where it does not start the text', () => {
    expect(csvCell('a=b')).toBe('a=b');
  });
});

describe('a CSV record', () => {
  it('joins its cells with commas and ends with CRLF', () => {
    expect(csvRow(['2026-12-02T09:30:00.000Z', 'CREATED', null, 1, '=x', 'a,b'])).toBe(`2026-12-02T09:30:00.000Z,CREATED,,1,'=x,"a,b"\r\n`);
  });
});
