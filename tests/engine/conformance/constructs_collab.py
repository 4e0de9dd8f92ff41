"""Conformance collaborations: several processes in one file, messages along their flows (issue 13 §3).

`buyer` waits for "go", throws "order" (correlated by order id) and waits for "reply"; `seller`
starts on "order" (a message start event on a top-level process) and answers with "reply".
The persisted engine runs each process as its own instance and routes along the message flows;
bare SpiffWorkflow runs the whole collaboration as one workflow.
"""

from __future__ import annotations

from tests.engine.conformance.kit import catch, chain, message, script, throw
from tests.support.bpmn_build import bpmn_file


def _correlated(messages: list[str]) -> str:
    """Messages plus an `order_id` correlation property retrieved from each one's payload."""
    retrievals = "".join(
        f'<bpmn:correlationPropertyRetrievalExpression messageRef="m_{m}"><bpmn:formalExpression>'
        f"order_id</bpmn:formalExpression></bpmn:correlationPropertyRetrievalExpression>" for m in messages)
    return ('<bpmn:message id="m_go" name="go"/>'
            + "".join(f'<bpmn:message id="m_{m}" name="{m}"/>' for m in messages)
            + f'<bpmn:correlationProperty id="order_id" name="order id">{retrievals}</bpmn:correlationProperty>')


KEY = ('<bpmn:correlationKey id="ck_order" name="order"><bpmn:correlationPropertyRef>order_id'
       '</bpmn:correlationPropertyRef></bpmn:correlationKey>')


def buyer_and_seller(prefix: str, seller_waits: bool = False) -> str:
    """The two-process collaboration; `seller_waits`: the seller waits for "ship" before replying."""
    buyer = (f'<bpmn:process id="{prefix}_buyer" isExecutable="true"><bpmn:startEvent id="b_s"/>'
             + catch("b_go", message("m_go"))
             + throw("b_order", message("m_order", payload='{"order_id": order_id, "amount": amount}'))
             + catch("b_reply", message("m_reply", variable="reply"))
             + script("b_done", "total = reply['total']") + '<bpmn:endEvent id="b_e"/>'
             + chain("bf", ["b_s", "b_go", "b_order", "b_reply", "b_done", "b_e"]) + "</bpmn:process>")
    ship = [("s_ship", catch("s_ship", message("m_ship", variable="shipped")))] if seller_waits else []
    nodes = [("s_calc", script("s_calc", "total = order['amount'] * 2")), *ship,
             ("s_reply", throw("s_reply", message("m_reply", payload='{"order_id": order["order_id"], "total": total}')))]
    seller = (f'<bpmn:process id="{prefix}_seller" isExecutable="true"><bpmn:startEvent id="s_s">'
              + message("m_order", variable="order") + "</bpmn:startEvent>" + "".join(x for _, x in nodes)
              + '<bpmn:endEvent id="s_e"/>' + chain("sf", ["s_s", *(i for i, _ in nodes), "s_e"]) + "</bpmn:process>")
    flows = ('<bpmn:messageFlow id="mf_order" sourceRef="b_order" targetRef="s_s" messageRef="m_order"/>'
             '<bpmn:messageFlow id="mf_reply" sourceRef="s_reply" targetRef="b_reply"/>' + KEY)
    head = _correlated(["order", "reply"]) + ('<bpmn:message id="m_ship" name="ship"/>' if seller_waits else "")
    return bpmn_file(buyer + seller, head, flows)
