# The IAM identities of eksctl/production.yaml and eksctl/staging.yaml against what the cluster
# runs: the service accounts the operator, the controllers and the Helm releases use, the role
# the production overlay annotates, the store the External Secrets Operator reads through, the
# services that keep files, and the least privilege each policy is meant to have.
#
#   python3 -m unittest discover -s eksctl/tests
import pathlib
import re
import unittest

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
EKSCTL = REPO / "eksctl"
PROD_OVERLAY = REPO / "deploy" / "overlays" / "prod"
STAGES = ("production", "staging")
ACCOUNT = "123456789012"
REGION = "eu-central-1"

# (namespace, name) of every service account that assumes an IAM role, as the operator, the
# controllers and the pipeline name them.
IRSA_ACCOUNTS = {
    ("mercato-system", "mercato-operator"),
    ("kube-system", "aws-load-balancer-controller"),
    ("kube-system", "ebs-csi-controller-sa"),
    ("external-dns", "external-dns"),
    ("external-secrets", "external-secrets"),
    ("jenkins", "jenkins-agent"),
}
OPERATOR_ACTIONS = {
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "elasticache:DescribeReplicationGroups",
}
# Actions AWS cannot narrow to a resource: the only ones allowed on "*".
UNSCOPED_ACTIONS = {"route53:ListHostedZones", "ecr:GetAuthorizationToken"}
HOSTED_ZONE = "arn:aws:route53:::hostedzone/${MERCATO_HOSTED_ZONE_ID}"
# Where each storage-keeping service's files go: the first segment of its keys (a Purpose slug
# of services/common/src/storage/purpose.rs) and whether that purpose is public (the public
# bucket is SSE-S3; the private one is encrypted with the stage's s3 KMS key).
STORAGE_PREFIXES = {
    "users": ("profile-picture", True),
    "gigs": ("gig-cover", True),
    "chat": ("attachment", False),
    "orders": ("delivery", False),
}


def load_yaml_documents(path):
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def load_config(stage):
    return load_yaml_documents(EKSCTL / f"{stage}.yaml")[0]


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(policy):
    return as_list(policy["Statement"])


def actions_of(policy):
    return {action for statement in statements(policy) for action in as_list(statement["Action"])}


def resources_of(policy, action):
    return {
        resource
        for statement in statements(policy)
        if action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def service_account(config, namespace, name):
    for account in config["iam"]["serviceAccounts"]:
        if (account["metadata"]["namespace"], account["metadata"]["name"]) == (namespace, name):
            return account
    raise AssertionError(f"no service account {namespace}/{name} in {config['metadata']['name']}")


def inline_policies(config):
    """Every inline policy document of a file, with a label saying whose it is."""
    for account in config["iam"]["serviceAccounts"]:
        if "attachPolicy" in account:
            yield account["metadata"]["name"], account["attachPolicy"]
    for association in config["iam"]["podIdentityAssociations"]:
        yield association["serviceAccountName"], association["permissionPolicy"]


def storage_patch_components():
    """The MarketplaceServices the production overlay's storage patch reaches."""
    kustomization = load_yaml_documents(PROD_OVERLAY / "kustomization.yaml")[0]
    for patch in kustomization["patches"]:
        if patch.get("path") == "patches/storage.yaml":
            return set(patch["target"]["name"].split("|"))
    raise AssertionError("the production overlay has no storage patch")


def marketplace_service_namespaces():
    namespaces = {}
    for path in sorted((REPO / "examples").glob("*.yaml")):
        for doc in load_yaml_documents(path):
            if doc.get("kind") == "MarketplaceService":
                namespaces[doc["metadata"]["name"]] = doc["metadata"]["namespace"]
    return namespaces


def production_buckets():
    """The bucket names the production overlay's storage patch sets."""
    ops = load_yaml_documents(PROD_OVERLAY / "patches" / "storage.yaml")[0]
    return {op["value"] for op in ops if op["op"] == "replace"}


def purpose_slugs():
    source = (REPO / "services" / "common" / "src" / "storage" / "purpose.rs").read_text()
    body = source.split("pub fn slug(self)", 1)[1].split("}", 1)[0]
    return set(re.findall(r'=> "([a-z-]+)"', body))


class BothStages(unittest.TestCase):
    def setUp(self):
        self.configs = {stage: load_config(stage) for stage in STAGES}

    def test_staging_is_production_with_the_stage_renamed(self):
        production = (EKSCTL / "production.yaml").read_text().replace("production", "staging")
        self.assertEqual(yaml.safe_load(production), self.configs["staging"])

    def test_the_cluster_is_terraforms(self):
        for stage, config in self.configs.items():
            self.assertEqual(config["apiVersion"], "eksctl.io/v1alpha5")
            self.assertEqual(config["kind"], "ClusterConfig")
            self.assertEqual(config["metadata"]["name"], f"mercato-{stage}")
            self.assertEqual(config["metadata"]["region"], REGION)
            self.assertEqual(config["metadata"]["version"], "1.33")
            self.assertTrue(config["iam"]["withOIDC"])
            self.assertEqual(config["vpc"]["id"], "${MERCATO_VPC_ID}")
            for kind in ("private", "public"):
                self.assertEqual(set(config["vpc"]["subnets"][kind]), {"eu-central-1a", "eu-central-1b"})

    def test_service_accounts_are_the_ones_the_workloads_use(self):
        for config in self.configs.values():
            accounts = {(a["metadata"]["namespace"], a["metadata"]["name"]) for a in config["iam"]["serviceAccounts"]}
            self.assertEqual(accounts, IRSA_ACCOUNTS)

    def test_roles_are_named_after_the_stage_and_only_roles_are_made(self):
        for stage, config in self.configs.items():
            for account in config["iam"]["serviceAccounts"]:
                self.assertTrue(account["roleName"].startswith(f"mercato-{stage}-"), account["roleName"])
                self.assertIs(account.get("roleOnly"), True, account["metadata"]["name"])
            for association in config["iam"]["podIdentityAssociations"]:
                self.assertTrue(association["roleName"].startswith(f"mercato-{stage}-"), association["roleName"])
                self.assertIs(association.get("createServiceAccount"), False, association["serviceAccountName"])

    def test_only_the_load_balancer_and_ebs_controllers_use_well_known_policies(self):
        expected = {
            "aws-load-balancer-controller": {"awsLoadBalancerController": True},
            "ebs-csi-controller-sa": {"ebsCSIController": True},
        }
        for config in self.configs.values():
            found = {
                a["metadata"]["name"]: a["wellKnownPolicies"]
                for a in config["iam"]["serviceAccounts"]
                if "wellKnownPolicies" in a
            }
            self.assertEqual(found, expected)
            for account in config["iam"]["serviceAccounts"]:
                self.assertNotIn("attachPolicyARNs", account, account["metadata"]["name"])

    def test_no_action_is_a_wildcard_and_only_unscoped_actions_take_any_resource(self):
        for config in self.configs.values():
            for owner, policy in inline_policies(config):
                for statement in statements(policy):
                    self.assertEqual(statement["Effect"], "Allow", owner)
                    for action in as_list(statement["Action"]):
                        self.assertNotIn("*", action, f"{owner}: {action}")
                    if "*" in as_list(statement["Resource"]):
                        self.assertLessEqual(set(as_list(statement["Action"])), UNSCOPED_ACTIONS, owner)
                        self.assertEqual(as_list(statement["Resource"]), ["*"], owner)

    def test_the_operator_may_only_describe_the_stages_databases(self):
        for stage, config in self.configs.items():
            policy = service_account(config, "mercato-system", "mercato-operator")["attachPolicy"]
            self.assertEqual(actions_of(policy), OPERATOR_ACTIONS)
            resources = {r for s in statements(policy) for r in as_list(s["Resource"])}
            self.assertEqual(resources, {
                f"arn:aws:rds:{REGION}:{ACCOUNT}:db:mercato-{stage}-*",
                f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:mercato-{stage}-*",
                f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:mercato-{stage}-*",
            })

    def test_external_dns_changes_only_its_zone(self):
        for config in self.configs.values():
            account = service_account(config, "external-dns", "external-dns")
            self.assertNotIn("wellKnownPolicies", account)
            policy = account["attachPolicy"]
            self.assertEqual(actions_of(policy), {
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResource",
                "route53:ListHostedZones",
            })
            for action in ("route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                           "route53:ListTagsForResource"):
                self.assertEqual(resources_of(policy, action), {HOSTED_ZONE}, action)

    def test_external_secrets_reads_only_the_stages_secrets(self):
        for stage, config in self.configs.items():
            policy = service_account(config, "external-secrets", "external-secrets")["attachPolicy"]
            self.assertEqual(actions_of(policy), {
                "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "kms:Decrypt"})
            secrets = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:mercato/{stage}/*"
            for action in ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"):
                self.assertEqual(resources_of(policy, action), {secrets})
            decrypt = next(s for s in statements(policy) if "kms:Decrypt" in as_list(s["Action"]))
            self.assertEqual(decrypt["Condition"]["StringEquals"]["kms:ViaService"],
                             f"secretsmanager.{REGION}.amazonaws.com")
            self.assertEqual(decrypt["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
                             f"alias/mercato-{stage}-secrets")

    def test_jenkins_agents_push_only_mercato_images_and_find_only_their_cluster(self):
        for stage, config in self.configs.items():
            policy = service_account(config, "jenkins", "jenkins-agent")["attachPolicy"]
            for action in actions_of(policy):
                if action.startswith("ecr:") and action not in UNSCOPED_ACTIONS:
                    self.assertEqual(resources_of(policy, action),
                                     {f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/mercato/*"}, action)
            self.assertEqual(resources_of(policy, "eks:DescribeCluster"),
                             {f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/mercato-{stage}"})
            self.assertIn("ecr:PutImage", actions_of(policy))


class AgainstTheDeployment(unittest.TestCase):
    def setUp(self):
        self.production = load_config("production")

    def test_the_operators_account_is_the_one_deploy_base_makes(self):
        rbac = load_yaml_documents(REPO / "deploy" / "base" / "operator" / "10-rbac.yaml")
        account = next(doc for doc in rbac if doc["kind"] == "ServiceAccount")
        service_account(self.production, account["metadata"]["namespace"], account["metadata"]["name"])

    def test_the_operators_role_is_the_one_the_overlay_annotates(self):
        patch = load_yaml_documents(PROD_OVERLAY / "patches" / "operator.yaml")
        account = next(doc for doc in patch if doc["kind"] == "ServiceAccount")
        arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        role = service_account(self.production, account["metadata"]["namespace"], account["metadata"]["name"])
        self.assertEqual(arn, f"arn:aws:iam::{ACCOUNT}:role/{role['roleName']}")

    def test_external_secrets_account_is_the_stores(self):
        secrets = load_yaml_documents(PROD_OVERLAY / "secrets.yaml")
        store = next(doc for doc in secrets if doc["kind"] == "ClusterSecretStore")
        ref = store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]
        service_account(self.production, ref["namespace"], ref["name"])
        self.assertEqual(store["spec"]["provider"]["aws"]["region"], REGION)
        for doc in secrets:
            if doc["kind"] == "ExternalSecret":
                for source in doc["spec"]["dataFrom"]:
                    self.assertTrue(source["extract"]["key"].startswith("mercato/production/"), source)

    def test_pod_identity_covers_every_service_that_keeps_files(self):
        namespaces = marketplace_service_namespaces()
        expected = {(namespaces[name], name) for name in storage_patch_components()}
        self.assertEqual(set(STORAGE_PREFIXES), storage_patch_components())
        for stage in STAGES:
            config = load_config(stage)
            found = {(a["namespace"], a["serviceAccountName"]) for a in config["iam"]["podIdentityAssociations"]}
            self.assertEqual(found, expected, stage)

    def test_each_service_reaches_only_its_own_prefix_of_the_stages_buckets(self):
        buckets = production_buckets()
        self.assertEqual(buckets, {"mercato-production-uploads", "mercato-production-public"})
        self.assertLessEqual({prefix for prefix, _ in STORAGE_PREFIXES.values()}, purpose_slugs())
        for stage in STAGES:
            config = load_config(stage)
            for association in config["iam"]["podIdentityAssociations"]:
                name = association["serviceAccountName"]
                prefix, public = STORAGE_PREFIXES[name]
                bucket = f"mercato-{stage}-{'public' if public else 'uploads'}"
                self.assertIn(bucket.replace(stage, "production"), buckets)
                policy = association["permissionPolicy"]
                objects = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
                key = set() if public else {"kms:Decrypt", "kms:GenerateDataKey"}
                self.assertEqual(actions_of(policy), objects | key, name)
                if not public:
                    encryption = next(s for s in statements(policy) if "kms:Decrypt" in as_list(s["Action"]))
                    self.assertEqual(encryption["Condition"]["StringEquals"]["kms:ViaService"],
                                     f"s3.{REGION}.amazonaws.com", name)
                    self.assertEqual(encryption["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
                                     f"alias/mercato-{stage}-s3", name)
                for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
                    self.assertEqual(resources_of(policy, action), {f"arn:aws:s3:::{bucket}/{prefix}/*"}, name)
                listing = next(s for s in statements(policy) if "s3:ListBucket" in as_list(s["Action"]))
                self.assertEqual(as_list(listing["Resource"]), [f"arn:aws:s3:::{bucket}"], name)
                self.assertEqual(listing["Condition"]["StringLike"]["s3:prefix"], f"{prefix}/*", name)

    def test_the_helm_releases_use_the_same_service_accounts(self):
        releases = {}
        for line in (REPO / "deploy" / "helm" / "releases.tsv").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                release, namespace, _, _, _, values = line.split("\t")
                releases[release] = (namespace, load_yaml_documents(REPO / "deploy" / "helm" / values)[0])
        expected = {
            "aws-load-balancer-controller": ("serviceAccount", "aws-load-balancer-controller"),
            "external-dns": ("serviceAccount", "external-dns"),
            "external-secrets": ("serviceAccount", "external-secrets"),
            "jenkins": ("serviceAccountAgent", "jenkins-agent"),
        }
        for release, (key, name) in expected.items():
            namespace, values = releases[release]
            self.assertEqual(values[key]["name"], name, release)
            self.assertTrue(values[key]["create"], release)
            service_account(self.production, namespace, name)


if __name__ == "__main__":
    unittest.main()
