DROP TABLE login_slots;
