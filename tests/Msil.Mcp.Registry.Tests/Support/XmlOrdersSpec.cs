namespace Msil.Mcp.Registry.Tests.Support;

/// <summary>A small XML orders API of our own (no SOAP): XML bodies and answers, text and binary bodies, OAuth scopes.</summary>
internal static class XmlOrdersSpec
{
    public const string Namespace = "urn:example:orders";
    public const string NotesNamespace = "urn:example:notes";

    public const string Yaml = """
        openapi: 3.0.3
        info: {title: XML orders, version: '1.0'}
        security: [{orders_oauth: [orders.read]}]
        paths:
          /orders:
            post:
              operationId: createOrder
              summary: Create an order from its lines
              tags: [orders]
              security: [{orders_oauth: [orders.write, orders.read]}]
              requestBody:
                required: true
                content:
                  application/xml:
                    schema: {$ref: '#/components/schemas/Order'}
              responses:
                '201':
                  description: created
                  content:
                    application/xml:
                      schema: {$ref: '#/components/schemas/OrderReceipt'}
          /orders/{id}:
            get:
              operationId: getOrder
              summary: Read one order by its id
              tags: [orders]
              parameters:
                - {name: id, in: path, required: true, description: The order id, schema: {type: integer}}
              responses:
                '200':
                  description: ok
                  content:
                    application/xml:
                      schema: {$ref: '#/components/schemas/Order'}
          /orders/{id}/note:
            put:
              operationId: replaceOrderNote
              summary: Replace the order's free-text note
              tags: [orders]
              parameters:
                - {name: id, in: path, required: true, description: The order id, schema: {type: integer}}
              requestBody:
                required: true
                content:
                  text/plain:
                    schema: {type: string, maxLength: 2000}
              responses:
                '204': {description: replaced}
          /orders/{id}/attachment:
            put:
              operationId: putOrderAttachment
              summary: Store the order's signed delivery note
              tags: [orders]
              parameters:
                - {name: id, in: path, required: true, description: The order id, schema: {type: integer}}
              requestBody:
                required: true
                content:
                  application/octet-stream:
                    schema: {type: string, format: binary}
              responses:
                '204': {description: stored}
          /health:
            get:
              operationId: getHealth
              summary: Say whether the orders service is up
              security: []
              responses:
                '200':
                  description: ok
                  content:
                    text/plain:
                      schema: {type: string}
        components:
          securitySchemes:
            orders_oauth:
              type: oauth2
              flows:
                clientCredentials:
                  tokenUrl: https://login.example/token
                  scopes: {orders.read: Read orders, orders.write: Write orders}
          schemas:
            Order:
              type: object
              xml: {name: order, namespace: 'urn:example:orders'}
              required: [customer, lines]
              properties:
                id: {type: integer, readOnly: true, xml: {attribute: true}}
                customer: {type: string, description: The customer's name}
                note: {type: string, description: A note for the warehouse, xml: {prefix: n, namespace: 'urn:example:notes'}}
                priority: {type: boolean, description: Whether the order ships first}
                lines:
                  type: array
                  description: The order lines
                  xml: {name: lines, wrapped: true}
                  items: {$ref: '#/components/schemas/Line'}
                tags:
                  type: array
                  description: Free labels
                  items: {type: string, xml: {name: tag}}
            Line:
              type: object
              xml: {name: line}
              required: [sku, quantity]
              properties:
                sku: {type: string, xml: {attribute: true}}
                quantity: {type: integer, minimum: 1}
            OrderReceipt:
              type: object
              xml: {name: receipt, namespace: 'urn:example:orders'}
              properties:
                id: {type: integer, xml: {attribute: true}}
                status: {type: string}
                total: {type: number}
        """;
}
