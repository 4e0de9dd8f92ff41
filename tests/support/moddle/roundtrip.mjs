// Read each BPMN file with bpmn.io's model layer (bpmn-moddle) and write it back, as a modeler
// saving it unchanged would. Prints one JSON object: file -> {warnings, xml}.
// Usage: node roundtrip.mjs FILE...
import { readFile } from "node:fs/promises";
import { BpmnModdle } from "bpmn-moddle";

const result = {};
for (const file of process.argv.slice(2)) {
  const moddle = new BpmnModdle();
  const xml = await readFile(file, "utf8");
  try {
    const { rootElement, warnings } = await moddle.fromXML(xml);
    const saved = await moddle.toXML(rootElement, { format: true });
    result[file] = { warnings: warnings.map((w) => w.message), xml: saved.xml };
  } catch (error) {
    result[file] = { warnings: [`unreadable: ${error.message}`], xml: null };
  }
}
process.stdout.write(JSON.stringify(result));
