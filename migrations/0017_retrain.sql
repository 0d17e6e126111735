-- A completed avatar can be trained again (issue 17: "Retrain"), with photos added or removed
-- first; its model stays usable while the new one trains, and stays if the new training does
-- not complete (the avatar is then completed again, with its old model).
CREATE OR REPLACE FUNCTION avatars_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN (
        ('draft', 'uploading'), ('draft', 'ready'),
        ('uploading', 'ready'), ('uploading', 'draft'),
        ('ready', 'uploading'), ('ready', 'training'),
        ('training', 'completed'), ('training', 'error'), ('training', 'cancelled'),
        ('training', 'ready'),
        ('error', 'ready'), ('cancelled', 'ready'),
        ('completed', 'training')) THEN
        NEW.updated_at := now();
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'avatar % cannot go from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END $$;
