-- An application's and a volunteer's sector of origin may be not stated (NULL): the
-- application form still asks for it, but records from before the service, such as those
-- of the 2020 scheme (17 health, 18 medico-social, 2 not stated), lack it, and the bilan
-- counts them as "non renseigné". No portable form: `up.sqlite.sql` rebuilds the tables,
-- `up.postgres.sql` drops the constraints.
SELECT 1;
