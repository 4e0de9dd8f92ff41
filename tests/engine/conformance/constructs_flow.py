"""Conformance constructs without events: tasks, gateways, scripts, loops, data (issue 13)."""

from __future__ import annotations

from tests.engine.conformance.kit import chain, flow, line, process, script, sub, user
from tests.engine.conformance.model import Construct, complete

TASKS = Construct(
    "user_manual_none_tasks", line("cf_tasks", [
        ("u", user("u")), ("m", user("m", tag="manualTask")),
        ("n", user("n", tag="task")), ("s", script("s", "done = True"))]),
    [complete("u"), complete("m"), complete("n")])

EXCLUSIVE = Construct(
    "exclusive_gateway", process("cf_exclusive", (
        '<bpmn:startEvent id="start"/>' + user("ask")
        + '<bpmn:exclusiveGateway id="gw" default="f_low"/>'
        + script("high", "band = 'high'") + script("low", "band = 'low'")
        + '<bpmn:exclusiveGateway id="merge"/><bpmn:endEvent id="end"/>'
        + chain("a", ["start", "ask", "gw"]) + flow("f_high", "gw", "high", "amount &gt; 5")
        + flow("f_low", "gw", "low") + flow("m1", "high", "merge") + flow("m2", "low", "merge")
        + flow("m3", "merge", "end"))),
    [complete("ask", amount=9)])

PARALLEL = Construct(
    "parallel_gateway", process("cf_parallel", (
        '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="split"/>' + user("left")
        + user("right") + '<bpmn:parallelGateway id="join"/>' + script("after", "joined = True")
        + '<bpmn:endEvent id="end"/>' + flow("a", "start", "split") + flow("b", "split", "left")
        + flow("c", "split", "right") + flow("d", "left", "join") + flow("e", "right", "join")
        + chain("g", ["join", "after", "end"]))),
    [complete("right"), complete("left")])

INCLUSIVE = Construct(
    "inclusive_gateway", process("cf_inclusive", (
        '<bpmn:startEvent id="start"/><bpmn:inclusiveGateway id="split" default="fc"/>'
        + script("a", "took_a = True") + script("b", "took_b = True") + script("c", "took_c = True")
        + '<bpmn:inclusiveGateway id="join"/><bpmn:endEvent id="end"/>'
        + flow("s", "start", "split") + flow("fa", "split", "a", "x &gt; 1")
        + flow("fb", "split", "b", "x &gt; 5") + flow("fc", "split", "c")
        + flow("ja", "a", "join") + flow("jb", "b", "join") + flow("jc", "c", "join")
        + flow("e", "join", "end"))),
    [], start={"x": 9})

SCRIPTS = Construct(
    "scripts_with_pure_builtins", line("cf_scripts", [("s", script("s", (
        "pairs = [[i, float(v)] for i, v in enumerate(values)]\n"
        "total = sum(a * b for a, b in zip(range(3), values))\n"
        "ok = isinstance(total, int)\nscratch = sorted(values)\ndel scratch")))]),
    [], start={"values": [3, 1, 2]})

SEQUENTIAL_MI = Construct(
    "sequential_multi_instance", line("cf_seq_mi", [("each", user("each", (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true">'
        '<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>'
        '<bpmn:loopDataOutputRef>answers</bpmn:loopDataOutputRef>'
        '<bpmn:inputDataItem id="item"/><bpmn:outputDataItem id="answer"/>'
        '</bpmn:multiInstanceLoopCharacteristics>')))]),
    [complete("each", answer="x"), complete("each", answer="y"), complete("each", answer="z")],
    start={"items": ["a", "b", "c"]})

PARALLEL_MI = Construct(
    "parallel_multi_instance", line("cf_par_mi", [("each", script("each", "doubled = item * 2", (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        '<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>'
        '<bpmn:loopDataOutputRef>results</bpmn:loopDataOutputRef>'
        '<bpmn:inputDataItem id="item"/><bpmn:outputDataItem id="doubled"/>'
        '</bpmn:multiInstanceLoopCharacteristics>')))]),
    [], start={"items": [1, 2, 3]})

LOOP = Construct(
    "standard_loop", line("cf_loop", [("again", script("again", "count = count + 1", (
        '<bpmn:standardLoopCharacteristics testBefore="false" loopMaximum="10">'
        '<bpmn:loopCondition>count &gt;= 3</bpmn:loopCondition>'
        '</bpmn:standardLoopCharacteristics>')))]),
    [], start={"count": 0})

DATA_OBJECTS = Construct(
    "data_objects", process("cf_data", (
        '<bpmn:dataObject id="total"/>'
        '<bpmn:dataObjectReference id="total_out" dataObjectRef="total"/>'
        '<bpmn:dataObjectReference id="total_in" dataObjectRef="total"/>'
        '<bpmn:startEvent id="start"/>'
        + script("write", "total = 40 + 2", '<bpmn:dataOutputAssociation id="w_out">'
                 '<bpmn:targetRef>total_out</bpmn:targetRef></bpmn:dataOutputAssociation>')
        + user("pause")
        + script("read", "seen = total", '<bpmn:property id="read_in" name="__targetRef_placeholder"/>'
                 '<bpmn:dataInputAssociation id="r_in"><bpmn:sourceRef>total_in</bpmn:sourceRef>'
                 '<bpmn:targetRef>read_in</bpmn:targetRef></bpmn:dataInputAssociation>')
        + '<bpmn:endEvent id="end"/>' + chain("f", ["start", "write", "pause", "read", "end"]))),
    [complete("pause")])

IO_SPEC = Construct(
    "io_specification", line("cf_io", [("fill", user("fill", (
        '<bpmn:ioSpecification><bpmn:dataInput id="amount"/><bpmn:dataOutput id="approved"/>'
        '<bpmn:inputSet><bpmn:dataInputRefs>amount</bpmn:dataInputRefs></bpmn:inputSet>'
        '<bpmn:outputSet><bpmn:dataOutputRefs>approved</bpmn:dataOutputRefs></bpmn:outputSet>'
        '</bpmn:ioSpecification>'))), ("after", script("after", "checked = approved"))]),
    [complete("fill", approved=True)], start={"amount": 5, "note": "kept"})

EMBEDDED = Construct(
    "embedded_subprocess", line("cf_embedded", [("inner", sub("inner", [
        ("work", user("work")), ("calc", script("calc", "inside = 1"))]))]),
    [complete("work")])

TRANSACTION = Construct(
    "transaction", line("cf_transaction", [("tx", sub("tx", [
        ("book", user("book")), ("post", script("post", "posted = True"))], tag="transaction"))]),
    [complete("book")])

POTENTIAL_OWNER = Construct(
    "potential_owner_role", line("cf_owner", [("own", (
        '<bpmn:userTask id="own"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="orgKey" value="department_id"/>'
        '</spiffworkflow:properties></bpmn:extensionElements>'
        '<bpmn:potentialOwner id="po"><bpmn:resourceAssignmentExpression id="rae">'
        '<bpmn:formalExpression>county_officer</bpmn:formalExpression>'
        '</bpmn:resourceAssignmentExpression></bpmn:potentialOwner></bpmn:userTask>'))]),
    [complete("own")])

FLOW = [TASKS, EXCLUSIVE, PARALLEL, INCLUSIVE, SCRIPTS, SEQUENTIAL_MI, PARALLEL_MI, LOOP,
        DATA_OBJECTS, IO_SPEC, EMBEDDED, TRANSACTION, POTENTIAL_OWNER]
