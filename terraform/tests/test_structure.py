"""Structural tests of terraform/: the promises of the design, read from the .tf files with
python-hcl2 (no providers, no AWS). Run from the repository root with
`python3 -m unittest discover -s terraform/tests` in a virtualenv that has python-hcl2."""

import re
import unittest

import hcl_tree as tf
from hcl_tree import ROOT_INPUT, TERRAFORM

OVERLAY_SECRETS = TERRAFORM.parent / "deploy" / "overlays" / "prod" / "secrets.yaml"


def only(items, what):
    if len(items) != 1:
        raise AssertionError(f"expected exactly one {what}, found {len(items)}")
    return items[0]


def references_private_subnets(key, value):
    found = tf.leaves(key, value)
    return bool(found) and all("aws_subnet.private" in item and "public" not in item for item in found)


def references_kms_key(key, value):
    found = tf.leaves(key, value)
    return bool(found) and all("aws_kms_key." in item for item in found)


class Network(unittest.TestCase):
    def test_two_public_and_two_private_subnets_in_two_zones(self):
        subnets = tf.resources("aws_subnet")
        self.assertEqual(sorted(name for _, name, _ in subnets), ["private", "public"])
        for key, name, body in subnets:
            self.assertIn("var.availability_zones", body["for_each"], name)
            self.assertEqual(body["availability_zone"], "${each.key}", name)
            self.assertIs(body["map_public_ip_on_launch"], False, name)
            for zones in tf.resolve(key, "${var.availability_zones}"):
                self.assertEqual(len(zones), 2, f"{name} subnets: {zones}")
                self.assertEqual(len(set(zones)), 2, f"{name} subnets share a zone: {zones}")
        validation = tf.module("modules/network").variables["availability_zones"]["validation"][0]
        self.assertIn("== 2", validation["condition"])

    def test_nat_gateway_has_an_eip_and_sits_in_a_public_subnet(self):
        key, _, nat = only(tf.resources("aws_nat_gateway"), "NAT gateway resource")
        self.assertIn("aws_eip.nat", nat["allocation_id"])
        self.assertIn("aws_subnet.public", nat["subnet_id"])
        _, _, eip = only(tf.resources("aws_eip"), "EIP resource")
        self.assertEqual(eip["domain"], "vpc")
        routes = tf.module(key).of_type("aws_route")
        self.assertIn("aws_nat_gateway", routes["private_internet"]["nat_gateway_id"])
        self.assertIn("aws_internet_gateway", routes["public_internet"]["gateway_id"])

    def test_flow_logs_go_to_an_encrypted_log_group(self):
        key, _, flow = only(tf.resources("aws_flow_log"), "flow log")
        self.assertEqual(flow["traffic_type"], "ALL")
        group = tf.module(key).of_type("aws_cloudwatch_log_group")["flow_logs"]
        self.assertIn("kms_key_id", group)

    def test_bastion_requires_imdsv2_encrypts_its_disk_and_limits_ssh(self):
        key, _, bastion = only(tf.resources("aws_instance"), "instance")
        self.assertIn("aws_subnet.public", bastion["subnet_id"])
        self.assertEqual(bastion["metadata_options"][0]["http_tokens"], "required")
        root = bastion["root_block_device"][0]
        self.assertIs(root["encrypted"], True)
        self.assertIn("kms_key_id", root)
        ssh = tf.module(key).of_type("aws_vpc_security_group_ingress_rule")["bastion_ssh"]
        self.assertEqual(ssh["cidr_ipv4"], "${var.admin_cidr}")
        for key in _declaring("admin_cidr"):
            self.assertTrue(_rejects_any_address(key, "admin_cidr", "0.0.0.0/0"), key)


class Cluster(unittest.TestCase):
    def test_node_groups_use_only_private_subnets(self):
        groups = tf.resources("aws_eks_node_group")
        self.assertTrue(groups)
        for key, name, body in groups:
            self.assertTrue(references_private_subnets(key, body["subnet_ids"]), name)

    def test_cluster_encrypts_secrets_and_restricts_its_public_endpoint(self):
        key, _, cluster = only(tf.resources("aws_eks_cluster"), "EKS cluster")
        encryption = cluster["encryption_config"][0]
        self.assertEqual(encryption["resources"], ["secrets"])
        self.assertTrue(references_kms_key(key, encryption["provider"][0]["key_arn"]))
        self.assertEqual(
            set(cluster["enabled_cluster_log_types"]),
            {"api", "audit", "authenticator", "controllerManager", "scheduler"},
        )
        vpc = cluster["vpc_config"][0]
        self.assertIs(vpc["endpoint_private_access"], True)
        self.assertTrue(references_private_subnets(key, vpc["subnet_ids"]))
        for value in tf.resolve(key, vpc["public_access_cidrs"]):
            if value != ROOT_INPUT:
                self.assertNotIn("0.0.0.0/0", value)
        declaring = _declaring("public_access_cidrs")
        self.assertGreaterEqual(len(declaring), 3, "eks module and both env roots")
        for key in declaring:
            self.assertTrue(_rejects_any_address(key, "public_access_cidrs", 'cidr != "0.0.0.0/0"'), key)
            default = tf.module(key).variables["public_access_cidrs"].get("default", "")
            self.assertNotIn("0.0.0.0/0", str(default), key)

    def test_production_keeps_at_least_three_nodes(self):
        production = tf.module("envs/production").modules["stage"]
        staging = tf.module("envs/staging").modules["stage"]
        self.assertGreaterEqual(production["node_min_size"], 3)
        self.assertLess(staging["node_min_size"], production["node_min_size"])
        self.assertEqual(production["vpc_cidr"], "10.40.0.0/16")
        self.assertEqual(staging["vpc_cidr"], "10.50.0.0/16")


class DataStores(unittest.TestCase):
    def test_every_data_store_is_multi_az(self):
        for key, name, db in tf.resources("aws_db_instance"):
            self.assertEqual(tf.resolve(key, db["multi_az"]), [True], name)
        for key, name, cache in tf.resources("aws_elasticache_replication_group"):
            self.assertIs(cache["multi_az_enabled"], True, name)
            self.assertIs(cache["automatic_failover_enabled"], True, name)
            for count in tf.resolve(key, cache["num_cache_clusters"]):
                self.assertGreaterEqual(count, 2, name)
        for _, name, broker in tf.resources("aws_mq_broker"):
            self.assertEqual(broker["deployment_mode"], "CLUSTER_MULTI_AZ", name)
        key, name, atlas = only(tf.resources("mongodbatlas_advanced_cluster"), "Atlas cluster")
        region = only(only(atlas["replication_specs"], "replication spec")["region_configs"], "region")
        self.assertEqual(region["electable_specs"]["node_count"], 3)
        self.assertEqual(tf.resolve(key, region["region_name"]), ["EU_CENTRAL_1"])

    def test_every_data_store_uses_a_customer_kms_key(self):
        for key, name, db in tf.resources("aws_db_instance"):
            self.assertIs(db["storage_encrypted"], True, name)
            self.assertTrue(references_kms_key(key, db["kms_key_id"]), name)
            self.assertTrue(references_kms_key(key, db["performance_insights_kms_key_id"]), name)
        for key, name, cache in tf.resources("aws_elasticache_replication_group"):
            self.assertIs(cache["at_rest_encryption_enabled"], True, name)
            self.assertIs(cache["transit_encryption_enabled"], True, name)
            self.assertTrue(references_kms_key(key, cache["kms_key_id"]), name)
        for key, name, broker in tf.resources("aws_mq_broker"):
            encryption = broker["encryption_options"][0]
            self.assertIs(encryption["use_aws_owned_key"], False, name)
            self.assertTrue(references_kms_key(key, encryption["kms_key_id"]), name)
        _, _, atlas = only(tf.resources("mongodbatlas_advanced_cluster"), "Atlas cluster")
        self.assertEqual(atlas["encryption_at_rest_provider"], "AWS")
        key, _, at_rest = only(tf.resources("mongodbatlas_encryption_at_rest"), "Atlas encryption")
        kms = at_rest["aws_kms_config"][0]
        self.assertIs(kms["enabled"], True)
        self.assertTrue(references_kms_key(key, kms["customer_master_key_id"]))

    def test_no_data_store_is_publicly_reachable(self):
        for key, name, db in tf.resources("aws_db_instance"):
            self.assertIs(db["publicly_accessible"], False, name)
            group = tf.module(key).of_type("aws_db_subnet_group")["this"]
            self.assertTrue(references_private_subnets(key, group["subnet_ids"]), name)
        for key, name, group in tf.resources("aws_elasticache_subnet_group"):
            self.assertTrue(references_private_subnets(key, group["subnet_ids"]), name)
        for key, name, broker in tf.resources("aws_mq_broker"):
            self.assertIs(broker["publicly_accessible"], False, name)
            self.assertTrue(references_private_subnets(key, broker["subnet_ids"]), name)
        self.assertEqual(tf.resources("mongodbatlas_project_ip_access_list"), [])
        key, _, endpoint = only(
            [r for r in tf.resources("aws_vpc_endpoint") if r[1] == "atlas"], "Atlas VPC endpoint"
        )
        self.assertTrue(references_private_subnets(key, endpoint["subnet_ids"]))

    def test_backups_are_kept_at_least_a_week(self):
        for key, name, db in tf.resources("aws_db_instance"):
            for days in tf.resolve(key, db["backup_retention_period"]):
                self.assertGreaterEqual(days, 7, name)
            self.assertIs(db["deletion_protection"], True, name)
            self.assertIs(db["skip_final_snapshot"], False, name)
        for key, name, cache in tf.resources("aws_elasticache_replication_group"):
            for days in tf.resolve(key, cache["snapshot_retention_limit"]):
                self.assertGreaterEqual(days, 7, name)
        _, _, atlas = only(tf.resources("mongodbatlas_advanced_cluster"), "Atlas cluster")
        self.assertIs(atlas["backup_enabled"], True)
        self.assertIs(atlas["pit_enabled"], True)
        _, _, schedule = only(tf.resources("mongodbatlas_cloud_backup_schedule"), "backup schedule")
        daily = schedule["policy_item_daily"][0]
        self.assertEqual(daily["retention_unit"], "days")
        self.assertGreaterEqual(daily["retention_value"], 7)

    def test_rds_parameter_groups_refuse_plaintext(self):
        groups = tf.module("modules/rds").of_type("aws_db_parameter_group")
        wanted = {"postgres": ("rds.force_ssl", "1"), "mysql": ("require_secure_transport", "1")}
        for engine, (parameter, value) in wanted.items():
            settings = {p["name"]: p["value"] for p in groups[engine]["parameter"]}
            self.assertEqual(settings.get(parameter), value, engine)

    def test_data_store_groups_admit_only_the_nodes(self):
        security = tf.module("modules/security")
        stores = security.of_type("aws_security_group")["data_store"]
        self.assertIn("local.data_store_ports", stores["for_each"])
        rule = security.of_type("aws_vpc_security_group_ingress_rule")["data_store_from_nodes"]
        self.assertEqual(rule["referenced_security_group_id"], "${aws_security_group.nodes.id}")
        self.assertNotIn("cidr_ipv4", rule)
        self.assertEqual(
            set(security.locals["data_store_ports"]), {"postgres", "mysql", "redis", "rabbitmq", "atlas"}
        )

    def test_no_ingress_rule_is_open_to_the_internet(self):
        for _, name, rule in tf.resources("aws_vpc_security_group_ingress_rule"):
            self.assertNotIn(rule.get("cidr_ipv4"), ("0.0.0.0/0",), name)
            self.assertNotIn(rule.get("cidr_ipv6"), ("::/0",), name)
        for _, name, group in tf.resources("aws_security_group"):
            self.assertNotIn("ingress", group, f"{name}: rules are separate resources")


class State(unittest.TestCase):
    def test_state_bucket_is_versioned_kms_encrypted_and_locked(self):
        bootstrap = tf.module("bootstrap")
        versioning = bootstrap.of_type("aws_s3_bucket_versioning")["state"]
        self.assertEqual(versioning["versioning_configuration"][0]["status"], "Enabled")
        sse = bootstrap.of_type("aws_s3_bucket_server_side_encryption_configuration")["state"]
        default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
        self.assertEqual(default["sse_algorithm"], "aws:kms")
        self.assertTrue(references_kms_key("bootstrap", default["kms_master_key_id"]))
        block = bootstrap.of_type("aws_s3_bucket_public_access_block")["state"]
        for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
            self.assertIs(block[setting], True, setting)
        locks = bootstrap.of_type("aws_dynamodb_table")["locks"]
        self.assertEqual(locks["hash_key"], "LockID")
        self.assertIs(locks["point_in_time_recovery"][0]["enabled"], True)
        self.assertTrue(references_kms_key("bootstrap", locks["server_side_encryption"][0]["kms_key_arn"]))
        self.assertEqual(bootstrap.terraform[0].get("backend"), None, "bootstrap keeps local state")

    def test_every_env_root_uses_the_bootstrap_backend_with_its_own_key(self):
        bootstrap = tf.module("bootstrap")
        bucket = bootstrap.locals["state_bucket_name"].replace("${var.aws_account_id}", "123456789012")
        table = bootstrap.variables["lock_table_name"]["default"]
        keys = []
        for root in ("envs/shared", "envs/staging", "envs/production"):
            backend = only(tf.module(root).terraform[0]["backend"], "backend")["s3"]
            self.assertEqual(backend["bucket"], bucket, root)
            self.assertEqual(backend["dynamodb_table"], table, root)
            self.assertIs(backend["encrypt"], True, root)
            keys.append(backend["key"])
        self.assertEqual(len(set(keys)), len(keys), keys)

    def test_kms_keys_rotate(self):
        keys = tf.resources("aws_kms_key")
        self.assertTrue(keys)
        for _, name, key in keys:
            self.assertIs(key["enable_key_rotation"], True, name)


class Secrets(unittest.TestCase):
    def test_terraform_makes_exactly_the_overlays_secrets(self):
        stage = tf.module("modules/stage").locals
        names = set(re.findall(r'"([a-z-]+)"', stage["hand_filled_secrets"]))
        names |= {f"{service}-db-credentials" for service in stage["postgres_databases"]}
        names |= {f"{service}-db-credentials" for service in stage["mysql_databases"]}
        names |= {f"{service}-db" for service in stage["atlas_databases"]}
        names |= {f"{client}-amqp" for client in re.findall(r'"([a-z-]+)"', stage["amqp_clients"])}
        names |= {"redis-credentials", "rabbitmq-management"}
        overlay = set(re.findall(r"key: mercato/production/([a-z0-9-]+)", OVERLAY_SECRETS.read_text()))
        self.assertEqual(names, overlay)
        self._assert_modules_name_their_secrets_so()

    def _assert_modules_name_their_secrets_so(self):
        expected = [
            ("modules/rds", "-db-credentials"),
            ("modules/mongodb_atlas", "-db"),
            ("modules/redis", "redis-credentials"),
            ("modules/rabbitmq", "rabbitmq-management"),
            ("modules/rabbitmq", "-amqp"),
        ]
        for key, name in expected:
            self.assertIn(name, str(tf.module(key).outputs["secret_names"]["value"]), key)

    def test_secrets_are_kms_encrypted_under_the_stage_prefix(self):
        key, _, secret = only(tf.resources("aws_secretsmanager_secret"), "secret resource")
        self.assertEqual(secret["name"], "${var.name_prefix}/${each.key}")
        self.assertIn("kms_key_id", secret)
        self.assertEqual(tf.resolve(key, "${var.name_prefix}"), ["mercato/${var.stage}"])


def _declaring(name):
    return [key for key, m in tf.modules().items() if name in m.variables]


def _rejects_any_address(key, name, condition_text):
    """The variable's own validation says so, or it is only handed to modules whose does."""
    declared = tf.module(key).variables[name]
    if any(condition_text in rule["condition"] for rule in declared.get("validation", [])):
        return True
    handed_to = [
        (tf.source_of(key, block), argument)
        for block in tf.module(key).modules.values()
        for argument, value in block.items()
        if value == "${var." + name + "}"
    ]
    return bool(handed_to) and all(_rejects_any_address(t, a, condition_text) for t, a in handed_to)


if __name__ == "__main__":
    unittest.main()
