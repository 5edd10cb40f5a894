/**
 * A realistic mix of chat completion requests for recording sample traffic: everyday chat,
 * customer-support conversations, extraction from documents, code questions, a few hard
 * reasoning prompts and a handful of very long documents. Templates with parameters, drawn from
 * a seeded RNG, so the same seed always gives the same requests.
 */
import { Rng } from './rng.js';

export interface TrafficRequest {
  /** What kind of work it is (for the summary; not sent). */
  kind: 'chat' | 'support' | 'extraction' | 'code' | 'reasoning' | 'long';
  body: Record<string, unknown>;
}

type Message = { role: string; content: unknown; name?: string; tool_calls?: unknown; tool_call_id?: string };

const FIRST = ['Ana', 'Ben', 'Chen', 'Dara', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Marta', 'Nils', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomas', 'Uma', 'Vera', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Silva', 'Berg', 'Wang', 'Okafor', 'Yilmaz', 'Adeyemi', 'Larsen', 'Tanaka', 'Moreau', 'Fischer', 'Mensah', 'Novak', 'Rossi', 'Dahl', 'Patel', 'Kim', 'Garcia', 'Haddad'];
const PRODUCTS = ['Aurora desk lamp', 'Trailhead 40L backpack', 'Nimbus noise-cancelling headphones', 'Forge cast-iron skillet', 'Tempo running shoes', 'Atlas standing desk', 'Pebble smart thermostat', 'Drift e-reader', 'Harbor rain jacket', 'Quill fountain pen set'];
const CITIES = ['Lisbon', 'Oslo', 'Nairobi', 'Osaka', 'Toronto', 'Lyon', 'Austin', 'Pune', 'Krakow', 'Valparaiso'];
const COMPANIES = ['Northwind Traders', 'Blue Heron Logistics', 'Kestrel Analytics', 'Granite & Finch LLP', 'Solent Marine', 'Tamarind Foods', 'Vantage Robotics', 'Copperleaf Health'];
const TOPICS = ['photosynthesis', 'the French Revolution', 'compound interest', 'how vaccines work', 'black holes', 'the history of jazz', 'plate tectonics', 'the stock market', 'sourdough baking', 'the Roman Empire', 'machine learning', 'climate change', 'the immune system', 'supply and demand'];
const PAIRS: ReadonlyArray<readonly [string, string]> = [['TCP', 'UDP'], ['a Roth IRA', 'a traditional IRA'], ['espresso', 'drip coffee'], ['weather', 'climate'], ['a virus', 'a bacterium'], ['stocks', 'bonds'], ['RAM', 'storage'], ['empathy', 'sympathy'], ['LLC', 'sole proprietorship'], ['baking soda', 'baking powder']];
const LANGS = ['French', 'German', 'Spanish', 'Portuguese', 'Japanese', 'Italian', 'Dutch'];
const SENTENCES = ['The meeting has been moved to Thursday at 3 pm.', 'Please find the signed contract attached.', 'Our store will be closed on the public holiday.', 'Could you confirm the delivery address?', 'Thank you for your patience while we look into this.', 'The quarterly report is due at the end of the month.'];
const FOREIGN = [
  'Bonjour, pouvez-vous m\'expliquer comment fonctionne la garantie de ce produit ?',
  'Wie kann ich meine Bestellung stornieren, wenn sie schon versandt wurde?',
  '¿Cuál es la diferencia entre una tarjeta de crédito y una de débito?',
  '日本語で短く答えてください：今日の東京の天気はどうですか？',
  '请用简单的语言解释一下什么是区块链。',
  'Qual é a melhor forma de aprender programação sozinho?',
  'Можете объяснить, как работает ипотека?',
];
const TEAMS = ['support', 'research', 'sales'] as const;

const CODE_LANGS = ['typescript', 'python', 'go', 'sql', 'rust', 'java'] as const;
type CodeLang = (typeof CODE_LANGS)[number];

/** Requests for `model` names: mostly `auto`, the aliases, some direct models and a few typos. */
const MODELS: ReadonlyArray<readonly [string, number]> = [
  ['auto', 68], ['cheap', 10], ['smart', 7], ['local', 5],
  ['gpt-4o-mini', 2], ['gpt-5-mini', 1.5], ['claude-haiku-4-5', 1.2], ['claude-sonnet-4-5', 1], ['gemini-2.5-flash', 1],
  ['deepseek-chat', 0.8], ['gpt-4.1', 0.6], ['mistral-large-latest', 0.4], ['llama-3.3-70b-versatile', 0.4],
  ['gpt-3.5-turbo', 0.6], ['claude-2', 0.3],
];

const LOOKUP_ORDER = {
  type: 'function',
  function: {
    name: 'lookup_order', description: 'Look up an order by its number and return status, items and tracking.',
    parameters: { type: 'object', properties: { order_id: { type: 'string', description: 'Order number, e.g. A-10293' } }, required: ['order_id'] },
  },
};
const ISSUE_REFUND = {
  type: 'function',
  function: {
    name: 'issue_refund', description: 'Refund an order fully or partly. Only for orders delivered in the last 30 days.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' }, amount: { type: 'number', description: 'Amount in the order currency' }, reason: { type: 'string', enum: ['damaged', 'late', 'wrong_item', 'other'] } },
      required: ['order_id', 'amount', 'reason'],
    },
  },
};
const ESCALATE = {
  type: 'function',
  function: { name: 'escalate', description: 'Hand the conversation to a human agent.', parameters: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } },
};
const SAVE_FIELDS = {
  type: 'function',
  function: {
    name: 'save_fields', description: 'Store the fields extracted from a document.',
    parameters: {
      type: 'object',
      properties: {
        document_type: { type: 'string' }, parties: { type: 'array', items: { type: 'string' } }, date: { type: 'string', format: 'date' },
        total: { type: 'number' }, currency: { type: 'string' }, line_items: { type: 'array', items: { type: 'object', properties: { description: { type: 'string' }, amount: { type: 'number' } } } },
      },
      required: ['document_type'],
    },
  },
};
const CREATE_LEAD = {
  type: 'function',
  function: {
    name: 'create_lead', description: 'Create a sales lead in the CRM.',
    parameters: { type: 'object', properties: { company: { type: 'string' }, contact: { type: 'string' }, email: { type: 'string' }, budget_usd: { type: 'number' }, timeline: { type: 'string' } }, required: ['company', 'contact'] },
  },
};
const RUN_QUERY = {
  type: 'function',
  function: { name: 'run_query', description: 'Run a read-only SQL query on the analytics warehouse.', parameters: { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] } },
};

/** Draws the parts every request shares (names, numbers) so templates stay short. */
class Draw {
  constructor(readonly rng: Rng) {}
  person(): string {
    return `${this.rng.pick(FIRST)} ${this.rng.pick(LAST)}`;
  }
  order(): string {
    return `${this.rng.pick(['A', 'B', 'C'])}-${this.rng.int(10000, 99999)}`;
  }
  money(lo: number, hi: number): string {
    return (this.rng.int(lo * 100, hi * 100) / 100).toFixed(2);
  }
  date(): string {
    return `2025-${String(this.rng.int(1, 12)).padStart(2, '0')}-${String(this.rng.int(1, 28)).padStart(2, '0')}`;
  }
  /** A paragraph of plausible business prose, `sentences` long. */
  paragraph(sentences: number): string {
    const parts: string[] = [];
    for (let i = 0; i < sentences; i++) {
      parts.push(this.rng.pick([
        `${this.person()} from ${this.rng.pick(COMPANIES)} confirmed the shipment to ${this.rng.pick(CITIES)} on ${this.date()}.`,
        `The invoice total of EUR ${this.money(100, 20000)} is payable within ${this.rng.pick([14, 30, 45, 60])} days.`,
        `Customers reported that the ${this.rng.pick(PRODUCTS)} arrived with minor scratches but worked as described.`,
        `Revenue in ${this.rng.pick(CITIES)} grew ${this.rng.int(2, 40)}% quarter over quarter, driven by repeat orders.`,
        `The parties agree that either side may terminate with ${this.rng.int(15, 90)} days written notice.`,
        `Next steps: ${this.person()} will send the revised proposal and schedule a call for ${this.date()}.`,
        `Warehouse capacity in ${this.rng.pick(CITIES)} is at ${this.rng.int(55, 98)}% and a second shift starts next month.`,
        `All personal data is processed under the data processing agreement signed on ${this.date()}.`,
        `The team discussed the roadmap, agreed to drop the legacy importer and to revisit pricing in Q${this.rng.int(1, 4)}.`,
        `Support tickets about the ${this.rng.pick(PRODUCTS)} fell from ${this.rng.int(80, 200)} to ${this.rng.int(10, 79)} a week after the firmware update.`,
      ]));
    }
    return parts.join(' ');
  }
}

/** Builds one request of each kind; `traffic` picks among them. */
class Generator {
  readonly d: Draw;
  constructor(readonly rng: Rng) {
    this.d = new Draw(rng);
  }

  chat(): TrafficRequest {
    const r = this.rng;
    const text = r.weighted<() => string>([
      [() => `What's the difference between ${r.pick(PAIRS).join(' and ')}?`, 3],
      [() => `Explain ${r.pick(TOPICS)} to a ${r.pick(['ten-year-old', 'high-school student', 'busy executive', 'new employee'])}.`, 3],
      [() => `Write a short ${r.pick(['poem', 'toast', 'thank-you note', 'LinkedIn post', 'product description'])} about ${r.pick([...TOPICS, ...PRODUCTS])}.`, 2],
      [() => `Give me ${r.int(3, 10)} ideas for ${r.pick(['a team offsite', 'a birthday dinner', 'a blog post on remote work', 'a weekend in ' + r.pick(CITIES), 'naming a coffee shop'])}.`, 2],
      [() => `Translate to ${r.pick(LANGS)}: ${r.pick(SENTENCES)}`, 2],
      [() => r.pick(FOREIGN), 1.5],
      [() => `Summarize this in ${r.int(1, 3)} sentences:\n\n${this.d.paragraph(r.int(4, 14))}`, 2],
      [() => `Rewrite this email so it sounds friendlier:\n\n${r.pick(SENTENCES)} ${this.d.paragraph(r.int(1, 4))}`, 1.5],
      [() => `hi`, 0.3],
      [() => `What time zone is ${r.pick(CITIES)} in?`, 1],
    ])();
    const messages: Message[] = [];
    if (r.chance(0.3)) messages.push({ role: 'system', content: r.pick(['You are a helpful assistant.', 'Answer concisely.', 'You are a friendly assistant for employees of ' + r.pick(COMPANIES) + '. Keep answers under 150 words.']) });
    // Some chats carry earlier turns.
    for (let t = r.weighted([[0, 6], [1, 2], [2, 1], [4, 0.5]]); t > 0; t--) {
      messages.push({ role: 'user', content: `Earlier: tell me about ${r.pick(TOPICS)}.` });
      messages.push({ role: 'assistant', content: this.d.paragraph(r.int(1, 3)) });
    }
    messages.push({ role: 'user', content: text });
    return { kind: 'chat', body: { messages } };
  }

  support(): TrafficRequest {
    const r = this.rng;
    const order = this.d.order();
    const product = r.pick(PRODUCTS);
    const system = r.chance(0.5)
      ? 'You are the customer support assistant of Trailside Outfitters. Be polite and brief. Never promise refunds above the order value.'
      : // A longer system prompt: the support handbook, as many support bots carry.
        `You are the customer support assistant of Trailside Outfitters.\n\nPolicies:\n${this.d.paragraph(r.int(6, 30))}\n\nRefunds within 30 days of delivery; exchanges within 60. Escalate legal threats and chargebacks to a human.`;
    const question = r.pick([
      `My order ${order} hasn't arrived yet. It was supposed to be here ${r.int(2, 9)} days ago. Where is it?`,
      `I received the wrong size for the ${product} in order ${order}. How do I exchange it?`,
      `The ${product} I bought stopped working after ${r.int(2, 11)} weeks. Is it under warranty?`,
      `Can I change the delivery address for order ${order} to ${r.int(1, 400)} Harbour Street, ${r.pick(CITIES)}?`,
      `I was charged twice for order ${order}, EUR ${this.d.money(20, 400)} each time. Please fix this.`,
      `Do you ship the ${product} to ${r.pick(CITIES)}, and how long does it take?`,
      `How do I cancel my subscription? I've tried the app and the website.`,
      `I want a refund for order ${order}. The ${product} arrived damaged, photos attached.`,
      `This is the third time I'm writing about order ${order}. If I don't get an answer I will dispute the charge with my bank.`,
    ]);
    const messages: Message[] = [{ role: 'system', content: system }];
    for (let t = r.weighted([[0, 5], [1, 3], [2, 2], [3, 1]]); t > 0; t--) {
      messages.push({ role: 'user', content: r.pick([`Hi, I need help with order ${order}.`, `Thanks. And what about the ${product}?`, 'OK, what do you need from me?']) });
      messages.push({ role: 'assistant', content: r.pick([`I'm sorry to hear that. Could you confirm the email address on order ${order}?`, 'Thanks for the details. Let me check that for you.', `I can see the ${product} on your account. One moment please.`]) });
    }
    messages.push({ role: 'user', content: question });
    const body: Record<string, unknown> = { messages };
    if (r.chance(0.45)) {
      body.tools = r.chance(0.5) ? [LOOKUP_ORDER, ISSUE_REFUND, ESCALATE] : [LOOKUP_ORDER];
      // A turn after a tool call: the tool's answer is part of the prompt.
      if (r.chance(0.3)) {
        const id = `call_${r.int(100000, 999999)}`;
        messages.splice(messages.length - 1, 0,
          { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'lookup_order', arguments: JSON.stringify({ order_id: order }) } }] },
          { role: 'tool', tool_call_id: id, content: JSON.stringify({ order_id: order, status: r.pick(['in_transit', 'delivered', 'delayed', 'processing']), carrier: r.pick(['DHL', 'UPS', 'PostNL', 'Royal Mail']), eta: this.d.date() }) });
      }
    }
    if (r.chance(0.08)) {
      (messages[messages.length - 1] as Message).content = [
        { type: 'text', text: question },
        { type: 'image_url', image_url: { url: `https://uploads.example.com/support/${order}.jpg`, detail: r.pick(['low', 'high', 'auto']) } },
      ];
    }
    return { kind: 'support', body };
  }

  extraction(): TrafficRequest {
    const r = this.rng;
    const doc = r.pick(['invoice', 'email thread', 'contract', 'meeting notes', 'resume', 'product reviews', 'sales call transcript'] as const);
    const length = r.weighted([[2, 4], [8, 3], [30, 2], [120, 1], [400, 0.3]]);
    const header = doc === 'invoice'
      ? `INVOICE INV-${r.int(1000, 9999)}\nFrom: ${r.pick(COMPANIES)}\nTo: ${r.pick(COMPANIES)}\nDate: ${this.d.date()}\n` +
        Array.from({ length: r.int(2, 12) }, (_, i) => `${i + 1}. ${r.pick(PRODUCTS)} x${r.int(1, 20)} EUR ${this.d.money(10, 900)}`).join('\n') + `\nTotal: EUR ${this.d.money(200, 25000)}\n`
      : doc === 'resume'
        ? `${this.d.person()}\n${r.pick(['Senior Data Analyst', 'Backend Engineer', 'Account Executive', 'Operations Manager'])}, ${r.pick(CITIES)}\nExperience: ${r.int(2, 18)} years at ${r.pick(COMPANIES)}\n`
        : `${doc.toUpperCase()} (${r.pick(COMPANIES)}, ${this.d.date()})\n`;
    const document = `${header}\n${this.d.paragraph(length)}`;
    const wanted = r.pick([
      'Extract the parties, dates, amounts and any deadlines.',
      'Extract every person and company mentioned, with their role.',
      'List the action items with owner and due date.',
      'Extract the total, currency, due date and line items.',
      'Classify the sentiment of each paragraph as positive, neutral or negative.',
      'Pull out the contact name, company, budget and timeline for a sales lead.',
    ]);
    const jsonMode = r.chance(0.55);
    const team = doc === 'sales call transcript' || doc === 'email thread' ? r.pick(['sales', 'sales', 'research'] as const) : r.pick(['research', 'research', 'sales', 'support'] as const);
    const messages: Message[] = [
      { role: 'system', content: jsonMode ? 'You extract structured data. Reply with a single JSON object and nothing else.' : 'You extract structured data from business documents.' },
      { role: 'user', content: `${wanted}\n\n---\n${document}\n---` },
    ];
    const body: Record<string, unknown> = { messages, metadata: { team } };
    if (jsonMode) body.response_format = r.chance(0.8) ? { type: 'json_object' } : { type: 'json_schema', json_schema: { name: 'fields', schema: SAVE_FIELDS.function.parameters } };
    else if (r.chance(0.35)) {
      body.tools = team === 'sales' ? [CREATE_LEAD] : [SAVE_FIELDS];
      if (r.chance(0.5)) body.tool_choice = 'required';
    }
    if (r.chance(0.1)) {
      // A scanned page next to the text.
      messages[1] = { role: 'user', content: [{ type: 'text', text: `${wanted} The scan is attached.` }, { type: 'image_url', image_url: { url: `https://files.example.com/scans/${r.int(1, 99999)}.png`, detail: r.pick(['low', 'high']) } }] };
    }
    return { kind: 'extraction', body };
  }

  code(): TrafficRequest {
    const r = this.rng;
    const lang = r.pick(CODE_LANGS);
    const snippet = codeSnippet(r, lang, r.weighted([[1, 4], [3, 3], [10, 1.5], [40, 0.4]]));
    const ask = r.pick([
      `Why does this ${lang} code throw on an empty input? Fix it.`,
      `Write unit tests for this ${lang} code.`,
      `Review this ${lang} code for bugs and style problems.`,
      `Refactor this to be more readable, without changing behaviour.`,
      `What is the time complexity of this, and can it be faster?`,
      `Explain what this code does, line by line.`,
      `Convert this ${lang} code to ${r.pick(CODE_LANGS.filter((l) => l !== lang))}.`,
      `Add error handling and logging to this.`,
    ]);
    const messages: Message[] = [];
    if (r.chance(0.4)) messages.push({ role: 'system', content: `You are a senior ${lang} engineer. Answer with code first, then a short explanation.` });
    if (r.chance(0.25)) {
      messages.push({ role: 'user', content: `Here is my code:\n\`\`\`${lang}\n${codeSnippet(r, lang, 1)}\n\`\`\`` });
      messages.push({ role: 'assistant', content: `This looks fine overall. One thing: consider handling the error case explicitly.\n\`\`\`${lang}\n${codeSnippet(r, lang, 1)}\n\`\`\`` });
    }
    messages.push({ role: 'user', content: `${ask}\n\n\`\`\`${lang}\n${snippet}\n\`\`\`` });
    const body: Record<string, unknown> = { messages, metadata: { team: r.chance(0.85) ? 'research' : r.pick(TEAMS) } };
    if (lang === 'sql' && r.chance(0.4)) body.tools = [RUN_QUERY];
    return { kind: 'code', body };
  }

  /** Prompts the complexity score puts high: proofs, step-by-step analysis, trade-offs under constraints. */
  reasoning(): TrafficRequest {
    const r = this.rng;
    const a = r.int(3, 40);
    const text = r.pick([
      `Prove step by step that for every integer n >= 1 the sum 1 + 3 + ... + (2n - 1) equals n^2. Justify each step and state the induction hypothesis explicitly.`,
      `Compare event sourcing and CRUD for an order system handling ${a}k orders a day. Analyze the trade-offs in consistency, auditing and operational cost step by step. You must give a recommendation and at most five risks.`,
      `A train leaves ${r.pick(CITIES)} at ${r.int(6, 11)}:00 at ${r.int(60, 140)} km/h and another leaves ${r.pick(CITIES)} an hour later at ${r.int(80, 200)} km/h on the same ${r.int(300, 900)} km line. When and where do they meet? Show the equations, then verify the result.`,
      `Derive the closed form of the integral of x^${a % 6 + 1} * e^(-x) from 0 to infinity, and prove why it equals a factorial. Explain why each step holds.`,
      `Why does the following argument fail? "Every finite set of integers has a maximum, so the set of all integers has a maximum." Identify the flawed step, prove your claim and give a counterexample.`,
      `Evaluate the pricing strategies for ${r.pick(PRODUCTS)}: cost-plus, value-based and competitive pricing. Analyze step by step with numbers for a unit cost of EUR ${this.d.money(5, 80)}, compare their risks, and justify which one the company must pick. Answer in at most 300 words.`,
    ]);
    const messages: Message[] = [{ role: 'user', content: text }];
    if (r.chance(0.3)) messages.unshift({ role: 'system', content: 'Think carefully. Be rigorous and precise.' });
    return { kind: 'reasoning', body: { messages, metadata: { team: r.pick(TEAMS) } } };
  }

  /** A very long document (over 100k tokens): what long-context routes are for. */
  long(): TrafficRequest {
    const r = this.rng;
    const parts: string[] = [];
    for (let i = 0; i < 360; i++) parts.push(`Section ${i + 1}.\n${this.d.paragraph(r.int(14, 20))}`);
    return {
      kind: 'long',
      body: {
        messages: [{ role: 'user', content: `Here is the full annual archive of our operations notes. Summarize the main themes and list every termination notice period mentioned.\n\n${parts.join('\n\n')}` }],
        metadata: { team: 'research' },
      },
    };
  }
}

/** A function or query in `lang`, `blocks` functions long; names and constants vary. */
function codeSnippet(r: Rng, lang: CodeLang, blocks: number): string {
  const out: string[] = [];
  for (let b = 0; b < blocks; b++) {
    const name = `${r.pick(['parse', 'load', 'merge', 'sum', 'filter', 'group', 'format', 'validate'])}${r.pick(['Orders', 'Rows', 'Events', 'Users', 'Prices', 'Items'])}${b === 0 ? '' : b}`;
    const k = r.int(1, 100);
    switch (lang) {
      case 'typescript':
        out.push(`export function ${name}(items: Array<{ id: string; amount: number }>): number {\n  let total = 0;\n  for (const item of items) {\n    if (item.amount > ${k}) total += item.amount * ${r.int(2, 9)};\n  }\n  return total / items.length;\n}`);
        break;
      case 'python':
        out.push(`def ${name}(rows):\n    result = {}\n    for row in rows:\n        key = row["${r.pick(['user', 'region', 'sku'])}"]\n        result[key] = result.get(key, 0) + row["amount"] * ${k}\n    return max(result.values())`);
        break;
      case 'go':
        out.push(`func ${name}(items []Item) (int, error) {\n\ttotal := 0\n\tfor i := 0; i <= len(items); i++ {\n\t\ttotal += items[i].Amount * ${k}\n\t}\n\treturn total, nil\n}`);
        break;
      case 'sql':
        out.push(`SELECT c.region, COUNT(*) AS orders, SUM(o.amount) AS revenue\nFROM orders o JOIN customers c ON c.id = o.customer_id\nWHERE o.created_at >= DATE '2025-${String(r.int(1, 12)).padStart(2, '0')}-01' AND o.amount > ${k}\nGROUP BY c.region\nHAVING SUM(o.amount) > ${k * 100}\nORDER BY revenue DESC;`);
        break;
      case 'rust':
        out.push(`pub fn ${name}(items: &[Item]) -> Option<u64> {\n    let mut total = 0u64;\n    for item in items.iter() {\n        total += item.amount.checked_mul(${k})?;\n    }\n    Some(total / items.len() as u64)\n}`);
        break;
      case 'java':
        out.push(`public static double ${name}(List<Order> orders) {\n    double sum = 0;\n    for (Order o : orders) {\n        if (o.getAmount() > ${k}) { sum += o.getAmount(); }\n    }\n    return sum / orders.size();\n}`);
        break;
    }
  }
  return out.join('\n\n');
}

/** `n` requests drawn from `seed`: the same arguments, the same requests. */
export function trafficRequests(n: number, seed: number): TrafficRequest[] {
  const rng = new Rng(seed);
  const g = new Generator(rng);
  const users = Array.from({ length: 120 }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);
  const out: TrafficRequest[] = [];
  // Very long documents are rare: a few per sample, at fixed places.
  const longAt = new Set([Math.floor(n * 0.21), Math.floor(n * 0.58), Math.floor(n * 0.87)]);
  for (let i = 0; i < n; i++) {
    const req = longAt.has(i)
      ? g.long()
      : rng.weighted<() => TrafficRequest>([[() => g.chat(), 30], [() => g.support(), 25], [() => g.extraction(), 20], [() => g.code(), 18], [() => g.reasoning(), 7]])();
    const body = req.body;
    body.model = req.kind === 'long' ? 'auto' : rng.weighted(MODELS);
    if (body.metadata === undefined) {
      const team = req.kind === 'support' ? 'support' : rng.weighted<string | null>([['support', 2], ['research', 3], ['sales', 3], [null, 1]]);
      if (team !== null) body.metadata = { team };
    }
    if (req.kind === 'support' || (req.kind === 'chat' && rng.chance(0.3))) {
      // A conversation keeps its session across turns.
      body.metadata = { ...(body.metadata as object | undefined), session_id: `sess-${rng.int(1, 400)}` };
    }
    if (rng.chance(0.8)) body.user = rng.pick(users);
    const streams = { chat: 0.45, support: 0.35, code: 0.3, reasoning: 0.3, extraction: 0.05, long: 0 }[req.kind];
    if (rng.chance(streams)) {
      body.stream = true;
      if (rng.chance(0.5)) body.stream_options = { include_usage: true };
    }
    if (rng.chance(0.35)) body.max_tokens = rng.pick([64, 128, 256, 400, 512, 1024, 2048]);
    if (rng.chance(0.05)) body.metadata = { ...(body.metadata as object | undefined), priority: 'low' };
    out.push(req);
  }
  return out;
}
