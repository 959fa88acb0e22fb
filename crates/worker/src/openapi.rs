//! The machine-readable contract: an OpenAPI 3.1 document generated from the route table.

use serde_json::{Map, Value, json};
use vnum_protocol::ErrorCode;
use vnum_protocol::api::API_PREFIX;

use vnum_protocol::contract::{ROUTES, Route};

fn schemas() -> Value {
    let number = json!({"type": "number"});
    let string = json!({"type": "string"});
    json!({
        "Health": {"type": "object", "required": ["ok", "provider", "demo", "version"], "properties": {
            "ok": {"type": "boolean"}, "provider": string, "demo": {"type": "boolean"}, "version": string,
            "max_price": {"type": "number", "description": "the operator's MAX_PRICE, when set"}}},
        "OpenApi": {"type": "object"},
        "Balance": {"type": "object", "required": ["balance", "escrow", "currency"], "properties": {
            "balance": number, "escrow": number, "currency": string,
            "quota": {"type": "object", "description": "the provider plan's quota of rentals (Agent OTP)",
                "required": ["plan", "limit", "used", "remaining"], "properties": {
                    "plan": string, "limit": {"type": "integer"}, "used": {"type": "integer"},
                    "remaining": {"type": "integer"}}}}},
        "Service": {"type": "object", "required": ["code", "name"], "properties": {"code": string, "name": string}},
        "Country": {"type": "object", "required": ["code", "name"], "properties": {
            "code": string, "iso2": string, "name": string}},
        "Price": {"type": "object", "required": ["service", "country", "price", "stock"], "properties": {
            "service": string, "country": string, "price": number, "stock": {"type": "integer", "minimum": 0}}},
        "BuyRequest": {"type": "object", "required": ["service", "country"], "additionalProperties": false, "properties": {
            "service": {"type": "string", "pattern": "^[a-z0-9_]{1,16}$"},
            "country": {"type": "string", "pattern": "^([0-9]{1,4}|[A-Za-z]{2})$"},
            "operator": {"type": "string", "pattern": "^[a-z0-9_-]{1,32}$"},
            "max_price": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000}}},
        "BoughtNumber": {"type": "object", "required": ["id", "phone", "expires_at", "cost"], "properties": {
            "id": string, "order_code": string, "phone": string,
            "expires_at": {"type": "string", "format": "date-time"}, "cost": number,
            "rented_at": {"type": "string", "format": "date-time", "description": "when the provider started the rental, when it says (Agent OTP)"}}},
        "StatusResponse": {"type": "object", "required": ["status", "phone"], "properties": {
            "status": {"type": "string", "examples": ["waiting", "received", "finished", "cancelled", "expired"]},
            "sms_code": string, "sms_text": string, "phone": string,
            "expires_at": {"type": "string", "format": "date-time"},
            "cancel_available_at": {"type": "string", "format": "date-time"},
            "codes": {"type": "array", "items": {"$ref": "#/components/schemas/ReceivedCode"}}}},
        "ReceivedCode": {"type": "object", "required": ["code", "received_at"], "properties": {
            "code": string, "text": string, "received_at": {"type": "string", "format": "date-time"}}},
        "OrderView": {"type": "object", "required": ["id", "phone", "service", "country", "cost", "status", "codes",
            "created_at", "expires_at", "cancel_available_at"], "properties": {
            "id": string, "order_code": string, "phone": string, "service": string, "country": string, "cost": number,
            "status": string, "sms_code": string, "sms_text": string,
            "codes": {"type": "array", "items": {"$ref": "#/components/schemas/ReceivedCode"}},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "cancel_available_at": {"type": "string", "format": "date-time"}}},
        "OrdersResponse": {"type": "object", "required": ["orders"], "properties": {
            "orders": {"type": "array", "items": {"$ref": "#/components/schemas/OrderView"}}}},
        "ActionResponse": {"type": "object", "required": ["status"], "properties": {
            "status": string, "refunded": number, "charged": number}},
        "Error": {"type": "object", "required": ["error", "error_code", "retryable", "retry_after_seconds"], "properties": {
            "error": string,
            "error_code": {"type": "string", "enum": ErrorCode::all_known().collect::<Vec<_>>()},
            "retryable": {"type": "boolean"},
            "retry_after_seconds": {"type": ["integer", "null"], "minimum": 0}}}
    })
}

/// The document, with `server` as its base URL.
pub fn document(server: &str, version: &str) -> Value {
    let mut paths = Map::new();
    for spec in ROUTES {
        let schema_ref = json!({"$ref": format!("#/components/schemas/{}", spec.response)});
        let schema = if spec.list { json!({"type": "array", "items": schema_ref}) } else { schema_ref };
        let mut operation = json!({
            "operationId": format!("{:?}", spec.route).to_lowercase(),
            "summary": spec.summary,
            "parameters": spec.params.iter().map(|p| json!({
                "name": p.name, "in": "query", "required": p.required, "description": p.description,
                "schema": {"type": "string"}
            })).collect::<Vec<_>>(),
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {"schema": schema}}},
                "default": {"description": "A structured error", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if spec.authenticated {
            operation["security"] = json!([{"bearer": []}]);
        } else {
            operation["security"] = json!([]);
        }
        if spec.route == Route::Stream {
            operation["responses"]["200"] = json!({"description": "An event stream: `event: status` / `event: final`, `data:` a StatusResponse, `id:` the order's version",
                "content": {"text/event-stream": {"schema": {"type": "string"}}}});
        }
        if spec.route == Route::Buy {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/BuyRequest"}}}});
            operation["parameters"] = json!([{"name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Retries with the same key return the same order and charge once",
                "schema": {"type": "string", "maxLength": 128}}]);
        }
        let entry = paths.entry(format!("{API_PREFIX}{}", spec.path)).or_insert_with(|| json!({}));
        entry[spec.method.as_str().to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "vnum proxy",
            "version": version,
            "description": "Rent a virtual number, read its SMS code, finish or cancel; the provider key stays on the server."
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_route_with_resolvable_schemas() {
        let doc = document("http://127.0.0.1:8787", "0.1.0");
        for spec in ROUTES {
            let path = format!("{API_PREFIX}{}", spec.path);
            let op = &doc["paths"][&path][spec.method.as_str().to_lowercase()];
            assert!(op.is_object(), "{path} missing");
        }
        let text = doc.to_string();
        for name in text.split("#/components/schemas/").skip(1).map(|s| s.split('"').next().unwrap_or_default()) {
            assert!(doc["components"]["schemas"][name].is_object(), "schema {name} missing");
        }
    }
}
