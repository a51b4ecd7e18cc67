"""The Admin GraphQL API version and the queries and mutations the Shopify connector sends."""

API_VERSION = "2026-04"

ORDER_FIELDS = """
  id legacyResourceId name email createdAt updatedAt cancelledAt currencyCode
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  totalTaxSet { shopMoney { amount currencyCode } }
  shippingAddress { name address1 address2 city provinceCode zip countryCodeV2 phone }
  lineItems(first: 100) { nodes { id sku title quantity currentQuantity variant { id legacyResourceId }
    originalUnitPriceSet { shopMoney { amount currencyCode } } } }
"""

SET_QUANTITIES = """
mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""

READ_LEVELS = """
query Levels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: $locationId) {
    quantities(names: ["available"]) { name quantity } } } }
}"""

ORDERS = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ORDER_FIELDS} }}
  }}
}}"""

ORDER = f"""
query Order($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"""

FULFILLMENT_ORDERS = """
query FulfillmentOrders($id: ID!) { order(id: $id) { fulfillmentOrders(first: 10) { nodes { id status
  lineItems(first: 100) { nodes { id remainingQuantity lineItem { id } } } } } } }"""

FULFILLMENT_CREATE = """
mutation Ship($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } }
}"""

ORDER_CANCEL = """
mutation Cancel($orderId: ID!, $reason: OrderCancelReason!) {
  orderCancel(orderId: $orderId, reason: $reason, refund: false, restock: false, notifyCustomer: true) {
    job { id } orderCancelUserErrors { code field message }
  }
}"""

REFUND_CREATE = """
mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) { refund { id totalRefundedSet { shopMoney { amount } } } userErrors { field message } }
}"""
