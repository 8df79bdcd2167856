-- Immunization orders (module `immunizations` on the orders core): a dose recorded for an order
-- completes it; one dose per order (a dose marked entered in error leaves the order completed:
-- order again if the dose is still due).

ALTER TABLE immunizations ADD COLUMN order_id uuid REFERENCES orders(id);
CREATE UNIQUE INDEX immunizations_one_per_order ON immunizations (order_id)
    WHERE order_id IS NOT NULL AND status <> 'entered_in_error';
