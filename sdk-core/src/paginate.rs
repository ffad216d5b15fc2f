//! Placeholder (lead's stub until the signature/paginate/sse helper lands its module).
