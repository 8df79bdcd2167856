-- Pharmacy, phase 1: formulary, medication orders (detail rows of the orders core), pharmacist
-- verification, stores, lots, stock movements with a derived non-negative balance, dispensing.

CREATE TABLE rx_ingredients (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{1,40}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200)
);

CREATE TABLE rx_products (
    code             text PRIMARY KEY CHECK (code ~ '^[A-Z0-9._-]{1,40}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tall_man         text NOT NULL DEFAULT '' CHECK (length(tall_man) <= 200),
    strength         text NOT NULL CHECK (length(strength) BETWEEN 1 AND 100),
    dose_form        text NOT NULL CHECK (length(dose_form) BETWEEN 1 AND 60),
    route            text NOT NULL CHECK (route IN ('PO', 'IV', 'IM', 'SC', 'INH', 'TOP', 'PR', 'SL')),
    -- The unit a dose of this product is written in (mg for a single-ingredient solid by mass,
    -- tablet for combinations, units for insulin and heparin, mL for liquids by volume).
    dose_unit        text NOT NULL CHECK (dose_unit IN ('mg', 'mcg', 'g', 'units', 'mL', 'tablet', 'capsule', 'puff')),
    therapeutic_class text NOT NULL CHECK (length(therapeutic_class) BETWEEN 1 AND 100),
    cd_schedule      text NOT NULL DEFAULT '' CHECK (length(cd_schedule) <= 20),
    high_alert       boolean NOT NULL DEFAULT false,
    -- Absolute adult maxima in dose_unit: above them an order is refused (a hard stop).
    max_single       numeric CHECK (max_single > 0),
    max_daily        numeric CHECK (max_daily > 0),
    -- The dispensing unit (tablet, vial, …) and the price code charge capture carries.
    dispense_unit    text NOT NULL CHECK (length(dispense_unit) BETWEEN 1 AND 30),
    active           boolean NOT NULL DEFAULT true,
    CHECK (max_daily IS NULL OR max_single IS NULL OR max_daily >= max_single)
);
CREATE INDEX rx_products_name ON rx_products (lower(name), code);

-- Which ingredients a product holds, and how much of each per dose unit (combination products).
CREATE TABLE rx_product_ingredients (
    product_code     text NOT NULL REFERENCES rx_products(code) ON DELETE CASCADE,
    ingredient_code  text NOT NULL REFERENCES rx_ingredients(code),
    amount           numeric NOT NULL CHECK (amount > 0),
    amount_unit      text NOT NULL CHECK (amount_unit IN ('mg', 'mcg', 'units', 'mL')),
    PRIMARY KEY (product_code, ingredient_code)
);

-- A medication order's detail: the orders core holds the header (orders.detail_id = id).
CREATE TABLE rx_orders (
    id               uuid PRIMARY KEY,
    order_id         uuid NOT NULL UNIQUE REFERENCES orders(id),
    patient_id       uuid NOT NULL REFERENCES patients(id),
    product_code     text NOT NULL REFERENCES rx_products(code),
    dose             numeric NOT NULL CHECK (dose > 0),
    dose_unit        text NOT NULL CHECK (dose_unit IN ('mg', 'mcg', 'g', 'units', 'mL', 'tablet', 'capsule', 'puff')),
    route            text NOT NULL CHECK (route IN ('PO', 'IV', 'IM', 'SC', 'INH', 'TOP', 'PR', 'SL')),
    frequency        text NOT NULL CHECK (length(frequency) BETWEEN 1 AND 20),
    prn              boolean NOT NULL DEFAULT false,
    prn_indication   text NOT NULL DEFAULT '' CHECK (length(prn_indication) <= 200),
    start_at         timestamptz NOT NULL,
    stop_at          timestamptz,
    -- Dispensing units ordered (supply) and dispensed so far.
    quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    dispensed        integer NOT NULL DEFAULT 0 CHECK (dispensed >= 0),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected', 'discontinued')),
    -- The safety checks shown when it was signed, the knowledge base version, the override.
    alerts           jsonb NOT NULL DEFAULT '[]',
    kb_version       text NOT NULL,
    override_reason  text NOT NULL DEFAULT '' CHECK (length(override_reason) <= 500),
    prescriber_id    uuid NOT NULL REFERENCES users(id),
    verified_by      uuid REFERENCES users(id),
    verified_at      timestamptz,
    reject_reason    text NOT NULL DEFAULT '' CHECK (length(reject_reason) <= 500),
    discontinued_by  uuid REFERENCES users(id),
    discontinued_at  timestamptz,
    discontinue_reason text NOT NULL DEFAULT '' CHECK (length(discontinue_reason) <= 500),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rx_orders_not_over_dispensed CHECK (dispensed <= quantity),
    CONSTRAINT rx_orders_stop_after_start CHECK (stop_at IS NULL OR stop_at > start_at),
    CONSTRAINT rx_orders_prn_indication CHECK (NOT prn OR length(prn_indication) > 0),
    CONSTRAINT rx_orders_verified_by CHECK (status <> 'verified' OR verified_by IS NOT NULL),
    CONSTRAINT rx_orders_rejected_reason CHECK (status <> 'rejected' OR length(reject_reason) > 0)
);
CREATE INDEX rx_orders_patient ON rx_orders (patient_id, created_at DESC, id DESC);
CREATE INDEX rx_orders_queue ON rx_orders (created_at, id) WHERE status = 'pending';
CREATE INDEX rx_orders_to_dispense ON rx_orders (verified_at, id) WHERE status = 'verified' AND dispensed < quantity;

CREATE TABLE rx_stores (
    id           uuid PRIMARY KEY,
    facility_id  uuid NOT NULL REFERENCES facilities(id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind         text NOT NULL CHECK (kind IN ('main', 'ward', 'ed', 'theatre')),
    CONSTRAINT rx_stores_name_unique UNIQUE (facility_id, name)
);

CREATE TABLE rx_lots (
    id            uuid PRIMARY KEY,
    product_code  text NOT NULL REFERENCES rx_products(code),
    lot_number    text NOT NULL CHECK (length(lot_number) BETWEEN 1 AND 40),
    expiry_date   date NOT NULL,
    supplier      text NOT NULL DEFAULT '' CHECK (length(supplier) <= 100),
    quarantined   boolean NOT NULL DEFAULT false,
    CONSTRAINT rx_lots_unique UNIQUE (product_code, lot_number)
);

-- Every change of stock is a movement; the balance is their sum per (store, lot).
CREATE TABLE rx_movements (
    id           bigserial PRIMARY KEY,
    store_id     uuid NOT NULL REFERENCES rx_stores(id),
    lot_id       uuid NOT NULL REFERENCES rx_lots(id),
    kind         text NOT NULL CHECK (kind IN ('receipt', 'dispense', 'return', 'adjustment', 'transfer', 'expiry')),
    quantity     integer NOT NULL CHECK (quantity <> 0),
    dispense_id  uuid,
    reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 300),
    at           timestamptz NOT NULL DEFAULT now(),
    by_user      uuid REFERENCES users(id),
    CHECK ((kind = 'receipt' AND quantity > 0) OR (kind = 'dispense' AND quantity < 0)
           OR kind NOT IN ('receipt', 'dispense'))
);
CREATE INDEX rx_movements_lot ON rx_movements (store_id, lot_id, at);

-- The running balance, kept by the trigger below from the movements only: never written directly.
CREATE TABLE rx_balances (
    store_id   uuid NOT NULL REFERENCES rx_stores(id),
    lot_id     uuid NOT NULL REFERENCES rx_lots(id),
    quantity   integer NOT NULL,
    PRIMARY KEY (store_id, lot_id),
    CONSTRAINT rx_balances_not_negative CHECK (quantity >= 0)
);

CREATE FUNCTION rx_apply_movement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lot rx_lots%ROWTYPE;
    left_qty integer;
BEGIN
    SELECT * INTO lot FROM rx_lots WHERE id = NEW.lot_id;
    IF NEW.kind = 'dispense' AND lot.expiry_date < current_date THEN
        RAISE EXCEPTION 'Lot % is expired; expired stock cannot be dispensed.', lot.lot_number USING ERRCODE = '23514';
    END IF;
    IF NEW.kind = 'dispense' AND lot.quarantined THEN
        RAISE EXCEPTION 'Lot % is quarantined; it cannot be dispensed.', lot.lot_number USING ERRCODE = '23514';
    END IF;
    INSERT INTO rx_balances (store_id, lot_id, quantity) VALUES (NEW.store_id, NEW.lot_id, 0)
        ON CONFLICT (store_id, lot_id) DO NOTHING;
    -- The row lock serialises movements of one lot in one store: the second of two concurrent
    -- dispenses of the last units reads the first one's result and is refused.
    SELECT quantity INTO left_qty FROM rx_balances
        WHERE store_id = NEW.store_id AND lot_id = NEW.lot_id FOR UPDATE;
    IF left_qty + NEW.quantity < 0 THEN
        RAISE EXCEPTION 'Not enough stock of lot % in this store.', lot.lot_number USING ERRCODE = '23514';
    END IF;
    UPDATE rx_balances SET quantity = quantity + NEW.quantity
        WHERE store_id = NEW.store_id AND lot_id = NEW.lot_id;
    RETURN NEW;
END $$;
CREATE TRIGGER rx_movements_apply AFTER INSERT ON rx_movements FOR EACH ROW EXECUTE FUNCTION rx_apply_movement();

-- Movements are a ledger: corrections are new movements.
CREATE FUNCTION rx_movements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Stock movements are never changed; record a correcting movement.' USING ERRCODE = '42501';
END $$;
CREATE TRIGGER rx_movements_no_change BEFORE UPDATE OR DELETE ON rx_movements
    FOR EACH ROW EXECUTE FUNCTION rx_movements_immutable();

CREATE TABLE rx_dispenses (
    id           uuid PRIMARY KEY,
    rx_order_id  uuid NOT NULL REFERENCES rx_orders(id),
    patient_id   uuid NOT NULL REFERENCES patients(id),
    store_id     uuid NOT NULL REFERENCES rx_stores(id),
    quantity     integer NOT NULL CHECK (quantity > 0),
    dispensed_by uuid REFERENCES users(id),
    dispensed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rx_dispenses_order ON rx_dispenses (rx_order_id, dispensed_at);
CREATE INDEX rx_dispenses_patient ON rx_dispenses (patient_id, dispensed_at DESC, id DESC);
ALTER TABLE rx_movements ADD CONSTRAINT rx_movements_dispense FOREIGN KEY (dispense_id) REFERENCES rx_dispenses(id);
